/**
 * The one interface every device implements (one file per device in this
 * folder). A device claims I/O port and/or MMIO ranges, is told about
 * accesses with absolute port numbers or physical addresses, drives IRQ
 * lines, advances on guest time (cycles, never the wall clock), and can save
 * and restore its state as plain JSON-able data.
 */
import type { AccessSize } from "../cpu/bus.js";

export interface Range {
  /** First port or physical address. */
  readonly base: number;
  /** Number of ports or bytes. */
  readonly length: number;
}

/** An interrupt request line into the interrupt controller. */
export interface IrqLine {
  /** Drive the line high (true) or low (false). Edge-triggered inputs latch on the rising edge. */
  set(level: boolean): void;
}

/** Guest time. */
export interface Clock {
  /** Cycles since reset (the CPU's cycle counter). */
  now(): number;
  /** Cycles per second of the modelled processor. */
  readonly hz: number;
}

export interface Device {
  readonly name: string;
  readonly ports?: readonly Range[];
  readonly mmio?: readonly Range[];
  ioRead?(port: number, size: AccessSize): number;
  ioWrite?(port: number, size: AccessSize, value: number): void;
  mmioRead?(addr: number, size: AccessSize): number;
  mmioWrite?(addr: number, size: AccessSize, value: number): void;
  /**
   * Bring the device up to guest time `now` (raising IRQs that fell due).
   * Returns the cycle count of its next event, or Infinity when it has none,
   * so the machine can skip ahead while the CPU halts.
   */
  tick?(now: number): number;
  reset?(): void;
  save?(): unknown;
  restore?(state: unknown): void;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Floor or ceiling of v * num / den, exact for integers below 2^53. */
function scale(v: number, num: number, den: number, ceil: boolean): number {
  const g = gcd(num, den);
  num /= g;
  den /= g;
  const whole = Math.floor(v / den);
  const rest = v - whole * den;
  const part = rest * num;
  if (part <= Number.MAX_SAFE_INTEGER) return whole * num + (ceil ? Math.ceil(part / den) : Math.floor(part / den));
  const big = BigInt(rest) * BigInt(num);
  const q = big / BigInt(den);
  const exact = q * BigInt(den) === big;
  return whole * num + Number(q) + (ceil && !exact ? 1 : 0);
}

/**
 * Ticks of a `tickHz` clock elapsed in `cycles` cycles of a `cpuHz` clock,
 * rounded down, exact for any cycle count below 2^53 (a plain
 * `cycles * tickHz / cpuHz` loses precision after a few seconds).
 */
export function cyclesToTicks(cycles: number, cpuHz: number, tickHz: number): number {
  return scale(cycles, tickHz, cpuHz, false);
}

/** The first cycle count at which `ticks` ticks of a `tickHz` clock have elapsed (inverse of cyclesToTicks). */
export function ticksToCycles(ticks: number, cpuHz: number, tickHz: number): number {
  return scale(ticks, cpuHz, tickHz, true);
}
