/**
 * The block engine in each way it runs code, for tests that compare it
 * with the interpreter: both back ends compiling at once and from a
 * block's second execution, and threaded blocks only (never compiling).
 */
import type { Cpu } from "../../src/hw/cpu/cpu.js";
import type { Engine } from "../../src/hw/cpu/engine.js";
import { BlockEngine } from "../../src/hw/cpu/jit/engine.js";

export const BLOCK_ENGINES: readonly (readonly [string, (cpu: Cpu) => Engine])[] = [
  ...(["wasm", "js"] as const).flatMap((backend) =>
    [0, 1].map((hot) => [`${backend}, hot ${hot}`, (cpu: Cpu) => new BlockEngine(cpu, { hot, backend })] as const),
  ),
  ["threaded", (cpu: Cpu) => new BlockEngine(cpu, { hot: Number.POSITIVE_INFINITY })],
];
