/**
 * The block engine in each way it runs code, for tests that compare it
 * with the interpreter: both back ends compiling at once and from a
 * block's second execution, and threaded blocks only (never compiling).
 */
import assert from "node:assert/strict";
import type { Cpu } from "../../src/hw/cpu/cpu.js";
import type { Engine } from "../../src/hw/cpu/engine.js";
import { BlockEngine } from "../../src/hw/cpu/jit/engine.js";

export const BLOCK_ENGINES: readonly (readonly [string, (cpu: Cpu) => Engine])[] = [
  ...(["wasm", "js"] as const).flatMap((backend) =>
    [0, 1].map((hot) => [`${backend}, hot ${hot}`, (cpu: Cpu) => new BlockEngine(cpu, { hot, backend })] as const),
  ),
  ["threaded", (cpu: Cpu) => new BlockEngine(cpu, { hot: Number.POSITIVE_INFINITY })],
];

/**
 * Run `engine` in slices of the `slices` budgets in turn until HLT, and
 * the processor's state after each slice (registers, EIP, EFLAGS, cycles).
 */
export function statesBySlice(cpu: Cpu, engine: Engine, slices: readonly number[]): string[] {
  const states: string[] = [];
  for (let k = 0; ; k++) {
    const exit = engine.run(slices[k % slices.length]);
    states.push(JSON.stringify({ regs: [...cpu.regs], eip: cpu.eip, flags: cpu.eflags, cycles: cpu.cycles }));
    // HLT with interrupts off halts the interpreter for good; with them on it waits.
    if (exit.kind === "hlt" || exit.kind === "halted") return states;
    assert.equal(exit.kind, "budget");
  }
}
