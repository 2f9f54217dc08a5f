/**
 * CLI and PUSHF in compiled code below CPL 3. CLI is allowed where CPL <=
 * IOPL and is otherwise #GP(0); the WebAssembly form reads the CPL from a
 * slot and the IOPL from EFLAGS. PUSHF pushes EFLAGS with every lazy flag
 * worked out (AF too). Each case runs under the
 * interpreter and under the block compiler (compiling at once), and the
 * exit, registers, EFLAGS and the pushed image must be the same.
 *
 * The code (bits 32, org 0x1000):
 *   add eax, ebx   ; flags left lazy
 *   pushf
 *   cli
 *   mov ecx, 7
 *   hlt
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RamBus } from "../../../src/hw/cpu/bus.js";
import { Cpu } from "../../../src/hw/cpu/cpu.js";
import type { Engine } from "../../../src/hw/cpu/engine.js";
import { IF } from "../../../src/hw/cpu/flags.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";
import { BlockEngine } from "../../../src/hw/cpu/jit/engine.js";
import { BLOCK_ENGINES } from "../../support/block-engines.js";

const CODE = [0x01, 0xd8, 0x9c, 0xfa, 0xb9, 0x07, 0x00, 0x00, 0x00, 0xf4];

function run(cpl: number, iopl: number, makeEngine: (cpu: Cpu) => Engine): string {
  const bus = new RamBus(1 << 20);
  bus.ram.set(CODE, 0x1000);
  const cpu = new Cpu(bus);
  cpu.enterFlat32(0x1000);
  cpu.cpl = cpl;
  cpu.regs[4] = 0x8000;
  // 0x0fff + 0x0001: AF set, the rest clear; 0x7fffffff + 1 would set OF: both kinds of lazy flags.
  cpu.regs[0] = 0x7fff0fff;
  cpu.regs[3] = 0x0000f001;
  // (Not RF: while it is set the engine interprets.)
  cpu.setEflags(IF | (iopl << 12) | 2);
  const exit = makeEngine(cpu).run(100);
  const pushed = new DataView(bus.ram.buffer, bus.ram.byteOffset).getUint32(0x7ffc, true);
  return JSON.stringify({ exit: exit.kind, eip: cpu.eip, regs: [...cpu.regs], eflags: cpu.eflags, pushed });
}

for (const [cpl, iopl] of [
  [0, 0],
  [1, 0],
  [1, 1],
  [2, 3],
]) {
  test(`CLI and PUSHF compiled at CPL ${cpl} with IOPL ${iopl} do what the interpreter does`, () => {
    const reference = run(cpl, iopl, (cpu) => new Interpreter(cpu));
    const expected = JSON.parse(reference);
    // The image: the add's flags (0x7fff0fff + 0xf001 = 0x80000000: SF, OF, AF, PF), IOPL, IF, bit 1.
    assert.equal(expected.pushed, 0x800 | 0x80 | 0x10 | 0x4 | (iopl << 12) | IF | 2);
    // CLI faults exactly where CPL > IOPL (the #GP has nowhere to go: the run ends before MOV ECX).
    assert.equal(expected.regs[1] === 7, cpl <= iopl);
    const engine = (cpu: Cpu) => new BlockEngine(cpu, { hot: 0 });
    assert.equal(run(cpl, iopl, engine), reference);
  });
}

/**
 * Instructions that read system state without changing what compiled code
 * depends on go on inside a block: MOV from CR0, VERW and STR (group 6 but
 * LLDT and LTR). Four rounds (nasm, bits 32, org 0x1000):
 *   mov ecx, 4 / xor esi, esi / xor edi, edi
 * top:
 *   add eax, ebx
 *   mov edx, cr0
 *   verw word [0x2000]        ; 0x10 (writable data): ZF; 0x08 (code): not
 *   setz bl / movzx ebx, bl
 *   lea edi, [edi*2 + ebx]    ; ZF of each round, as bits
 *   add esi, edx
 *   str ax
 *   xor word [0x2000], 0x18   ; 0x10 <-> 0x08
 *   dec ecx / jnz top / hlt
 */
const SYSTEM_READS = Buffer.from("b90400000031f631ff01d80f20c20f002d002000000f94c30fb6db8d3c7b01d6660f00c866833500200000184975daf4", "hex");

function runSystemReads(makeEngine: (cpu: Cpu) => Engine): string {
  const bus = new RamBus(1 << 20);
  // GDT at 0x800: null, code 0x08, data 0x10.
  bus.ram.set(Buffer.from("0000000000000000ffff0000009acf00ffff00000092cf00", "hex"), 0x800);
  bus.ram.set(SYSTEM_READS, 0x1000);
  bus.ram[0x2000] = 0x10;
  const cpu = new Cpu(bus);
  cpu.enterFlat32(0x1000);
  cpu.gdtBase = 0x800;
  cpu.gdtLimit = 0x17;
  cpu.regs[4] = 0x8000;
  const exit = makeEngine(cpu).run(1000);
  return JSON.stringify({ exit: exit.kind, eip: cpu.eip, regs: [...cpu.regs], eflags: cpu.eflags, cycles: cpu.cycles });
}

test("MOV from CR0, VERW and STR inside compiled and threaded blocks do what the interpreter does", () => {
  const reference = runSystemReads((cpu) => new Interpreter(cpu));
  const expected = JSON.parse(reference);
  assert.equal(expected.exit, "halted");
  // VERW: writable data, code, data, code.
  assert.equal(expected.regs[7], 0b1010);
  for (const [name, engine] of BLOCK_ENGINES) assert.equal(runSystemReads(engine), reference, name);
});
