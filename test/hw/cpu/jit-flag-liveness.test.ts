/**
 * Flag liveness across INC/DEC and the byte compares (inline.ts flagUse):
 * CF carried through INC to ADC and JC, flags made dead by a byte CMP or
 * TEST after DEC, and EFLAGS pushed at the end. Every engine must end in
 * the interpreter's state, cycles and memory.
 *
 * The code (nasm, bits 32, org 0x1000):
 *   top: add eax, ebx / inc ecx / adc edx, 0 / setb bl
 *        sub eax, ebx / dec ecx / cmp cl, 5 / setb bh
 *        add eax, ebx / inc ecx / jc .skip / xor edi, edi
 *   .skip: add eax, 0x40000000 / dec ecx / test byte [0x8000], 0x81 / adc edi, ecx
 *        pushfd / pop esi / mov [0x8004], esi / dec ebp / jnz top / hlt
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Cpu } from "../../../src/hw/cpu/cpu.js";
import type { Engine } from "../../../src/hw/cpu/engine.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";
import { BlockEngine } from "../../../src/hw/cpu/jit/engine.js";
import { prepare } from "../../support/cpu-env.js";

const CODE = [
  0x01, 0xd8, 0x41, 0x83, 0xd2, 0x00, 0x0f, 0x92, 0xc3, 0x29, 0xd8, 0x49, 0x80, 0xf9, 0x05, 0x0f, 0x92, 0xc7, 0x01, 0xd8, 0x41, 0x72, 0x02,
  0x31, 0xff, 0x05, 0x00, 0x00, 0x00, 0x40, 0x49, 0xf6, 0x05, 0x00, 0x80, 0x00, 0x00, 0x81, 0x11, 0xcf, 0x9c, 0x5e, 0x89, 0x35, 0x04, 0x80,
  0x00, 0x00, 0x4d, 0x75, 0xcd, 0xf4,
];

function runOn(make: (cpu: Cpu) => Engine) {
  const { cpu, ram } = prepare(CODE, (c) => {
    c.regs.set([0xffffff00, 3, 7, 0x200, 0x8000, 6, 0, 0x55]);
  });
  ram[0x8000] = 0x80;
  const exit = make(cpu).run(1000);
  return {
    exit: exit.kind,
    regs: [...cpu.regs].map((r) => r >>> 0),
    flags: cpu.eflags,
    cycles: cpu.cycles,
    instructions: cpu.instructions,
    pushed: ram[0x8004] | (ram[0x8005] << 8),
  };
}

const expected = runOn((cpu) => new Interpreter(cpu));

test("the interpreter ends the flag-liveness code where Unicorn does", () => {
  // Unicorn (python3-unicorn) from the same state: 125 instructions to the HLT,
  // EFLAGS 0x46, PUSHFD's image 0x6 in the last pass.
  assert.equal(expected.exit, "halted");
  assert.deepEqual(expected.regs, [0x80000500, 3, 8, 0x100, 0x8000, 0, 6, 3]);
  assert.equal(expected.flags & 0xfff, 0x46);
  assert.equal(expected.pushed, 0x6);
  assert.equal(expected.instructions, 126, "125 and the HLT");
});

for (const [name, make] of [
  ["WebAssembly, compiled at once", (cpu: Cpu) => new BlockEngine(cpu, { hot: 0, backend: "wasm" })],
  ["WebAssembly, compiled after 2 passes", (cpu: Cpu) => new BlockEngine(cpu, { hot: 2, backend: "wasm" })],
  ["JavaScript, compiled at once", (cpu: Cpu) => new BlockEngine(cpu, { hot: 0, backend: "js" })],
  ["threaded blocks", (cpu: Cpu) => new BlockEngine(cpu, { hot: Number.POSITIVE_INFINITY })],
] as const) {
  test(`flag liveness across INC/DEC and byte compares: ${name} ends in the interpreter's state`, () => {
    assert.deepEqual(runOn(make), expected);
  });
}
