import assert from "node:assert/strict";
import { test } from "node:test";
import { EAX, EBX } from "../../../src/hw/cpu/cpu.js";
import { CF, OF, SF, ZF } from "../../../src/hw/cpu/flags.js";
import { run } from "../../support/cpu-env.js";

test("add eax, ebx sets CF and ZF on wrap-around", () => {
  const cpu = run([0x01, 0xd8], (c) => {
    c.regs[EAX] = -1;
    c.regs[EBX] = 1;
  });
  assert.equal(cpu.regs[EAX], 0);
  assert.equal(cpu.eflags & (CF | ZF | SF | OF), CF | ZF);
});

test("sub al, 1 from 0x80 overflows to 0x7f", () => {
  const cpu = run([0x2c, 0x01], (c) => {
    c.regs[EAX] = 0x80;
  });
  assert.equal(cpu.regs[EAX], 0x7f);
  assert.equal(cpu.eflags & (CF | ZF | SF | OF), OF);
});
