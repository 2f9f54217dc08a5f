/**
 * The block compiler decides a conditional branch that follows a compare
 * or a logical instruction straight from their operands, and any other
 * from the lazy flags the producer recorded. This runs every producer
 * here × the 16 conditions on operand pairs at the signed and unsigned
 * edges, with the Jcc right after the producer and in the next block
 * (after a JMP), on the interpreter and on both back ends of the
 * compiler, and requires the same path through the code, the same
 * registers, flags and cycles.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RamBus } from "../../../src/hw/cpu/bus.js";
import { Cpu } from "../../../src/hw/cpu/cpu.js";
import type { Engine } from "../../../src/hw/cpu/engine.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";
import { BlockEngine } from "../../../src/hw/cpu/jit/engine.js";
import { bytes32 } from "../../support/cpu-env.js";

/** op eax, ebx (ModRM D8) for each producer, or the same with a memory operand. */
const OPS: Record<string, number[]> = {
  cmp: [0x39, 0xd8],
  sub: [0x29, 0xd8],
  and: [0x21, 0xd8],
  or: [0x09, 0xd8],
  xor: [0x31, 0xd8],
  test: [0x85, 0xd8],
  add: [0x01, 0xd8],
  adc: [0x11, 0xd8],
  sbb: [0x19, 0xd8],
  inc: [0x40],
  dec: [0x48],
  neg: [0xf7, 0xd8],
  shl1: [0xd1, 0xe0],
  shr3: [0xc1, 0xe8, 0x03],
  sar5: [0xc1, 0xf8, 0x05],
  add8: [0x00, 0xd8],
  sub16: [0x66, 0x29, 0xd8],
  imul: [0x0f, 0xaf, 0xc3],
  // With a memory operand, stored just before: on the fast path, and across a page (the handler's).
  "cmp eax, m": [0x89, 0x1d, ...bytes32(0x804), 0x3b, 0x05, ...bytes32(0x804)],
  "cmp m, ebx": [0x89, 0x05, ...bytes32(0x804), 0x39, 0x1d, ...bytes32(0x804)],
  "and m, ebx": [0x89, 0x05, ...bytes32(0x804), 0x21, 0x1d, ...bytes32(0x804)],
  "cmp m, 5": [0x89, 0x05, ...bytes32(0x804), 0x83, 0x3d, ...bytes32(0x804), 0x05],
  "cmp eax, m across a page": [0x89, 0x1d, ...bytes32(0x7fffe), 0x3b, 0x05, ...bytes32(0x7fffe)],
  // 8 and 16 bits.
  "cmp al, bl": [0x38, 0xd8],
  "test al, bl": [0x84, 0xd8],
  "cmp al, 5": [0x3c, 0x05],
  "xor al, bl": [0x30, 0xd8],
  "cmp ax, bx": [0x66, 0x39, 0xd8],
  "cmp al, m": [0x89, 0x1d, ...bytes32(0x804), 0x3a, 0x05, ...bytes32(0x804)],
  "cmp ax, m across a page": [0x89, 0x1d, ...bytes32(0x7fffe), 0x66, 0x3b, 0x05, ...bytes32(0x7ffff)],
};
const PAIRS = [
  [0, 0],
  [1, 2],
  [2, 1],
  [0x80000000, 1],
  [1, 0x80000000],
  [0xffffffff, 1],
  [0x7fffffff, 0xffffffff],
  [0x80000000, 0x80000000],
  [0x12345678, 0x9abcdef0],
];

/**
 * Instructions put between the producer and the Jcc. The moves leave the
 * decision to the producer (the WebAssembly back end keeps its operands at
 * hand past them); the ADD makes its own flags, which must win; DEC makes
 * its own but keeps the producer's CF.
 */
const BETWEEN: Record<string, number[]> = {
  "mov ecx, esi": [0x89, 0xf1],
  "lea ecx, [esi+4]": [0x8d, 0x4e, 0x04],
  "mov ecx, 5": [0xb9, ...bytes32(5)],
  "mov ecx, [0x800]": [0x8b, 0x0d, ...bytes32(0x800)],
  "mov [0x800], ecx": [0x89, 0x0d, ...bytes32(0x800)],
  "add ecx, eax": [0x01, 0xc1],
  // DEC keeps the producer's CF (frozen from its locals where they are at hand) and sets the rest.
  "dec ecx": [0x49],
  "dec dword [0x800]": [0xff, 0x0d, ...bytes32(0x800)],
  // The same with the Jcc in the next block: what the region's next block reads keeps them live.
  "dec ecx; jmp +0": [0x49, 0xeb, 0x00],
};

/**
 * What follows the Jcc: the taken way skips one instruction. INC keeps CF,
 * so the producer's flags stay live past the branch; with `dead`, both ways
 * write every flag first (ADD), and a producer right before the branch may
 * leave its record unwritten where the branch decides from its operands
 * (forms.ts deferRecord): a condition the operands cannot decide (JO, JP
 * after a compare) must still find it.
 */
const TAILS = {
  live: (cc: number) => [0x70 + cc, 0x01, 0x42, 0xd1, 0xc2],
  dead: (cc: number) => [0x70 + cc, 0x03, 0x83, 0xc2, 0x01, 0x01, 0xd2],
};

/**
 * mov eax, A; mov ebx, B; op eax, ebx; [jmp +0 or `between`;] jcc +1; inc
 * edx; rol edx, 1 (or the dead tail) — for every case, then hlt. CF goes in
 * set or clear by turns (STC/CLC), for the producers that read it or keep it.
 */
function program(split: boolean, between: number[] = [], tail = TAILS.live): Uint8Array {
  const code: number[] = [];
  let n = 0;
  for (const op of Object.values(OPS)) {
    for (let cc = 0; cc < 16; cc++) {
      for (const [a, b] of PAIRS) {
        code.push(n++ & 1 ? 0xf9 : 0xf8, 0xb8, ...bytes32(a), 0xbb, ...bytes32(b), ...op);
        if (split) code.push(0xeb, 0x00);
        code.push(...between);
        code.push(...tail(cc));
      }
    }
  }
  code.push(0xf4);
  return Uint8Array.from(code);
}

function run(makeEngine: (cpu: Cpu) => Engine, split: boolean, between: number[] = [], tail = TAILS.live): string {
  const bus = new RamBus(1 << 20);
  bus.ram.set(program(split, between, tail), 0x1000);
  const cpu = new Cpu(bus);
  cpu.enterFlat32(0x1000);
  const engine = makeEngine(cpu);
  // Twice through, so that the compiler has compiled the code the second time.
  let exit = engine.run(1_000_000);
  assert.equal(exit.kind, "halted");
  const first = cpu.regs[2];
  cpu.halted = false;
  cpu.eip = 0x1000;
  exit = engine.run(1_000_000);
  assert.equal(exit.kind, "halted");
  return JSON.stringify({ first, regs: [...cpu.regs], eflags: cpu.eflags, cycles: cpu.cycles, instructions: cpu.instructions });
}

for (const split of [false, true]) {
  test(`flag producers and Jcc ${split ? "in the next block" : "pairs"} take the same paths on the compiler as on the interpreter`, () => {
    const interp = run((cpu) => new Interpreter(cpu), split);
    for (const backend of ["wasm", "js"] as const) {
      const jit = run((cpu) => new BlockEngine(cpu, { hot: 1, backend }), split);
      assert.equal(jit, interp, backend);
    }
    // The branches went both ways (EDX is not all zeros or all ones).
    const edx = JSON.parse(interp).regs[2] >>> 0;
    assert.ok(edx !== 0 && edx !== 0xffffffff, `edx ${edx.toString(16)}`);
  });
}

for (const [name, between] of Object.entries(BETWEEN)) {
  test(`flag producers and Jcc with ${name} between take the same paths on the compiler as on the interpreter`, () => {
    const interp = run((cpu) => new Interpreter(cpu), false, between);
    for (const backend of ["wasm", "js"] as const) {
      const jit = run((cpu) => new BlockEngine(cpu, { hot: 1, backend }), false, between);
      assert.equal(jit, interp, backend);
    }
    const edx = JSON.parse(interp).regs[2] >>> 0;
    assert.ok(edx !== 0 && edx !== 0xffffffff, `edx ${edx.toString(16)}`);
  });
}

test("a producer before a Jcc after which no flags are read: every condition takes the same path as on the interpreter", () => {
  const interp = run((cpu) => new Interpreter(cpu), false, [], TAILS.dead);
  for (const backend of ["wasm", "js"] as const) {
    const jit = run((cpu) => new BlockEngine(cpu, { hot: 1, backend }), false, [], TAILS.dead);
    assert.equal(jit, interp, backend);
  }
  const edx = JSON.parse(interp).regs[2] >>> 0;
  assert.ok(edx !== 0 && edx !== 0xffffffff, `edx ${edx.toString(16)}`);
});
