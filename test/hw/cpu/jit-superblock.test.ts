/**
 * Threaded blocks go on past a conditional branch that is not taken and to
 * the target of a JMP or CALL in their page (threaded.ts `threadedBlock`);
 * where the branch is taken the block is left there. Every block engine
 * must stay step for step with the interpreter through both ways out of
 * such a block, with budgets that end anywhere inside it; and the
 * threaded tier must run a loop iteration in two blocks, not five.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Cpu } from "../../../src/hw/cpu/cpu.js";
import type { Engine } from "../../../src/hw/cpu/engine.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";
import { BlockEngine } from "../../../src/hw/cpu/jit/engine.js";
import { BLOCK_ENGINES, statesBySlice } from "../../support/block-engines.js";
import { flat } from "../../support/cpu-env.js";

const ITERATIONS = 300;

/**
 *   0x1000: mov ecx, 300
 *   0x1005: mov eax, ecx        ; loop
 *   0x1007: and eax, 7
 *   0x100a: jz rare             ; taken one iteration in eight: the block is left there
 *   0x100c: call func           ; the block goes on in func, up to its RET
 *   0x1011: add ebx, eax        ; the return address
 *   0x1013: jmp next            ; the block goes on at next
 *   0x1015: int3, int3          ; never run
 *   0x1017: dec ecx             ; next
 *   0x1018: jnz loop
 *   0x101a: hlt
 *   0x101b: add esi, 1          ; rare
 *   0x101e: jmp 0x100c          ; to the CALL
 *   0x1020: add edx, ecx        ; func
 *   0x1022: xor edx, 0x55
 *   0x1025: ret
 */
const PROGRAM = [
  [0xb9, ITERATIONS & 0xff, ITERATIONS >> 8, 0, 0],
  [0x89, 0xc8],
  [0x83, 0xe0, 0x07],
  [0x74, 0x0f],
  [0xe8, 0x0f, 0, 0, 0],
  [0x01, 0xc3],
  [0xeb, 0x02],
  [0xcc, 0xcc],
  [0x49],
  [0x75, 0xeb],
  [0xf4],
  [0x83, 0xc6, 0x01],
  [0xeb, 0xec],
  [0x01, 0xca],
  [0x83, 0xf2, 0x55],
  [0xc3],
].flat();

/** Instructions to the HLT: the MOV, 11 per iteration and 2 more in the rare ones, the HLT. */
const INSTRUCTIONS = 1 + 11 * ITERATIONS + 2 * Math.floor(ITERATIONS / 8) + 1;

/** Budgets of the slices, in turn: most end inside a block. */
const SLICES = [7, 13, 3, 29, 1, 64, 1000];

function run(makeEngine: (cpu: Cpu) => Engine, slices: readonly number[]): { states: string[]; cpu: Cpu; engine: Engine } {
  const { cpu } = flat(PROGRAM, { intercept: false });
  const engine = makeEngine(cpu);
  const states = statesBySlice(cpu, engine, slices);
  assert.equal(cpu.instructions, INSTRUCTIONS);
  return { states, cpu, engine };
}

for (const [name, makeEngine] of BLOCK_ENGINES) {
  test(`${name}: blocks that go on past branches stay with the interpreter, slice by slice`, () => {
    const reference = run((cpu) => new Interpreter(cpu), SLICES);
    const engine = run(makeEngine, SLICES);
    assert.equal(engine.states.length, reference.states.length);
    for (let k = 0; k < reference.states.length; k++) assert.equal(engine.states[k], reference.states[k], `after slice ${k}`);
  });
}

test("the threaded tier runs an iteration in two blocks: to the RET, then from the return address to the JNZ", () => {
  const { engine } = run((cpu) => new BlockEngine(cpu, { hot: Number.POSITIVE_INFINITY }), [1_000_000]);
  const stats = (engine as BlockEngine).stats;
  // All of it threaded, the HLT too (the interpreter then only finds the processor halted).
  assert.equal(stats.threadedSteps, INSTRUCTIONS);
  // Two blocks an iteration (the first starts at the first MOV), and
  // in the rare ones a third, from the JZ's target to the RET. Blocks that end at every branch
  // take five an iteration.
  const rare = Math.floor(ITERATIONS / 8);
  assert.equal(stats.threadedRuns, 2 * ITERATIONS + rare);
});
