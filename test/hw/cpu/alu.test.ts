import assert from "node:assert/strict";
import { test } from "node:test";
import { RamBus } from "../../../src/hw/cpu/bus.js";
import { Cpu, EAX, EBX } from "../../../src/hw/cpu/cpu.js";
import { CF, OF, SF, ZF } from "../../../src/hw/cpu/flags.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";

function run32(code: number[], setup: (cpu: Cpu) => void): Cpu {
  const bus = new RamBus(1 << 20);
  bus.ram.set(code, 0x1000);
  const cpu = new Cpu(bus);
  cpu.enterFlat32(0x1000);
  setup(cpu);
  const it = new Interpreter(cpu);
  for (let n = 0; n < code.length && cpu.eip < 0x1000 + code.length; n++) assert.equal(it.step(), null);
  return cpu;
}

test("add eax, ebx sets CF and ZF on wrap-around", () => {
  const cpu = run32([0x01, 0xd8], (c) => {
    c.regs[EAX] = -1;
    c.regs[EBX] = 1;
  });
  assert.equal(cpu.regs[EAX], 0);
  assert.equal(cpu.eflags & (CF | ZF | SF | OF), CF | ZF);
});

test("sub al, 1 from 0x80 overflows to 0x7f", () => {
  const cpu = run32([0x2c, 0x01], (c) => {
    c.regs[EAX] = 0x80;
  });
  assert.equal(cpu.regs[EAX], 0x7f);
  assert.equal(cpu.eflags & (CF | ZF | SF | OF), OF);
});
