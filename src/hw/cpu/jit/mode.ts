/**
 * The processor mode compiled code is specialized on: the bits, beyond the
 * code bytes, that change what generated code must do. Code is compiled,
 * cached and chained per physical address and mode, and the dispatcher
 * computes the mode before it looks for code.
 */
import type { Cpu } from "../cpu.js";

export const enum Mode {
  /** CS.D: 32-bit code (operand and address size, EIP not wrapping at 64 KiB). */
  BIG = 1,
  /** CPL 3: memory accesses check the user bit of TLB entries. */
  USER = 2,
  /** `Cpu.flat`: accesses through DS, ES and SS skip segment bases, limits and the stack-size test. */
  FLAT = 4,
}

/** Modes there are (0 to 7). */
export const MODES = 8;

export function modeOf(cpu: Cpu): number {
  return (cpu.csBig ? Mode.BIG : 0) | (cpu.cpl === 3 ? Mode.USER : 0) | (cpu.flat ? Mode.FLAT : 0);
}
