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
import { BLOCK_ENGINES } from "../../support/block-engines.js";
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

/**
 * Shifts by a constant whose flags nothing reads (the ADD after them writes
 * all of them): the WebAssembly form is then a single shift.
 *   shr ebx, 11 / shl edx, 3 / sar esi, 5 / shr edi, 31 / add eax, 1 / hlt
 */
const SHIFTS = [0xc1, 0xeb, 0x0b, 0xc1, 0xe2, 0x03, 0xc1, 0xfe, 0x05, 0xc1, 0xef, 0x1f, 0x83, 0xc0, 0x01, 0xf4];

function runShifts(make: (cpu: Cpu) => Engine) {
  const { cpu } = prepare(SHIFTS, (c) => c.regs.set([0x7fffffff, 0, 0x12345678, 0xdeadbeef, 0x8000, 0, 0x80001234, 0xffffffff]));
  const exit = make(cpu).run(100);
  return { exit: exit.kind, regs: [...cpu.regs].map((r) => r >>> 0), flags: cpu.eflags, cycles: cpu.cycles };
}

test("shifts whose flags are dead, under every block engine, as the interpreter", () => {
  const reference = runShifts((cpu) => new Interpreter(cpu));
  assert.deepEqual(reference.regs, [0x80000000, 0, 0x91a2b3c0, 0x1bd5b7, 0x8000, 0, 0xfc000091, 1]);
  for (const [name, make] of BLOCK_ENGINES) assert.deepEqual(runShifts(make), reference, name);
});
