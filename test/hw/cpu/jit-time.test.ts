/**
 * An instruction that reads the time (RDTSC) in the middle of a block sees
 * every instruction before it charged, under every block engine, as under
 * the interpreter: engines that keep charges aside (threaded blocks in
 * locals, compiled code in its slots) must hand them over first.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Cpu, EBP } from "../../../src/hw/cpu/cpu.js";
import type { Engine } from "../../../src/hw/cpu/engine.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";
import { BLOCK_ENGINES } from "../../support/block-engines.js";
import { flat } from "../../support/cpu-env.js";

const ITERATIONS = 100;

/**
 *   0x1000: mov ecx, 100
 *   loop:   add esi, 1
 *           add edi, esi
 *           rdtsc
 *           add ebp, eax        ; the sum of the time stamps
 *           dec ecx
 *           jnz loop
 *           hlt
 */
const PROGRAM = [
  [0xb9, ITERATIONS, 0, 0, 0],
  [0x83, 0xc6, 0x01],
  [0x01, 0xf7],
  [0x0f, 0x31],
  [0x01, 0xc5],
  [0x49],
  [0x75, 0xf3],
  [0xf4],
].flat();

function run(makeEngine: (cpu: Cpu) => Engine): string {
  const { cpu } = flat(PROGRAM, { intercept: false });
  const exit = makeEngine(cpu).run(100_000);
  assert.equal(exit.kind, "halted");
  return JSON.stringify({ regs: [...cpu.regs], cycles: cpu.cycles, instructions: cpu.instructions });
}

test("RDTSC inside a block sees the instructions before it charged, under every block engine", () => {
  const reference = run((cpu) => new Interpreter(cpu));
  // The stamps were read (their sum is some number of cycles) ...
  assert.ok(JSON.parse(reference).regs[EBP] > 0);
  // ... and each engine read the same ones.
  for (const [name, makeEngine] of BLOCK_ENGINES) assert.equal(run(makeEngine), reference, name);
});
