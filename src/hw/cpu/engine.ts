/**
 * The engines that execute instructions on a processor, behind one
 * interface: the reference interpreter and the block compiler. Both keep
 * the same contract (steps, cycles, state at every exit), so a monitor can
 * pick either and a test can compare them.
 */
import type { Cpu, ExitReason } from "./cpu.js";
import { Interpreter, type InterruptSource } from "./interpreter.js";
import { BlockEngine } from "./jit/engine.js";

export interface Engine {
  /** Where external interrupts come from (null: none wired). */
  interrupts: InterruptSource | null;
  /** Execute one instruction or deliver one interrupt. */
  step(): ExitReason | null;
  /** Run until an exit or until `budget` steps have been taken. */
  run(budget: number): ExitReason;
}

export const ENGINE_KINDS = ["jit", "jit-js", "interp"] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

export function createEngine(cpu: Cpu, kind: EngineKind): Engine {
  if (kind === "interp") return new Interpreter(cpu);
  return new BlockEngine(cpu, { backend: kind === "jit" ? "wasm" : "js" });
}
