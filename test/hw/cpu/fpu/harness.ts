/**
 * A small machine for the x87 tests: code at CODE, data at DATA in flat
 * 32-bit protected mode (or real mode), run instruction by instruction with
 * exceptions intercepted and recorded instead of delivered.
 */
import type { Cpu } from "../../../../src/hw/cpu/cpu.js";
import type { CpuFault } from "../../../../src/hw/cpu/fault.js";
import { CODE, DATA, flat, rd16, rd32, real } from "../../../support/cpu-env.js";

export { CODE, DATA };

export interface Run {
  cpu: Cpu;
  /** The exception that stopped the run, if any (EIP is left at the faulting instruction). */
  fault: CpuFault | null;
}

export interface Options {
  /** Bytes placed at DATA. */
  data?: ArrayLike<number>;
  /** Runs after the CPU is set up and before the code. */
  setup?: (cpu: Cpu) => void;
  /** Start from the power-on FPU state instead of FNINIT's. */
  noInit?: boolean;
  /** 16-bit real mode with CS = DS = 0 instead of flat 32-bit protected mode. */
  real?: boolean;
}

export function run(code: number[], opts: Options = {}): Run {
  const { cpu, ram, it } = opts.real ? real(code) : flat(code);
  if (opts.data) ram.set(opts.data, DATA);
  if (!opts.noInit) cpu.fpu.init();
  let fault: CpuFault | null = null;
  cpu.interceptException = (f) => {
    fault = f;
    return true;
  };
  opts.setup?.(cpu);
  for (let n = 0; n < 1000 && cpu.eip < CODE + code.length; n++) {
    if (it.step()) break;
  }
  return { cpu, fault };
}

/**
 * Machine code from an assembler-style listing: each line holds the
 * instruction's bytes in hex, then its text (which is ignored).
 */
export function asm(strings: TemplateStringsArray): number[] {
  const out: number[] = [];
  for (const line of strings.raw.join("").split("\n")) {
    for (const token of line.trim().split(/\s+/)) {
      if (!/^[0-9a-f]{2}$/.test(token)) break;
      out.push(Number.parseInt(token, 16));
    }
  }
  return out;
}

/** Bytes of little-endian values. */
export function f64(v: number): number[] {
  return [...new Uint8Array(new Float64Array([v]).buffer)];
}

export function u16(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff];
}

export function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

/** An 80-bit value from its sign/exponent word and 64-bit significand (as hex). */
export function m80(se: number, significand: string): number[] {
  const sig = BigInt(`0x${significand}`);
  const out: number[] = [];
  for (let k = 0; k < 8; k++) out.push(Number((sig >> BigInt(8 * k)) & 0xffn));
  return [...out, ...u16(se)];
}

/** `n` bytes at `addr` as big-endian hex (the way the manual writes numbers): "3FFF8000000000000000". */
export function hexAt(cpu: Cpu, addr: number, n: number): string {
  let s = "";
  for (let k = n - 1; k >= 0; k--) s += cpu.bus.ram[addr + k].toString(16).padStart(2, "0");
  return s.toUpperCase();
}

export function u16At(cpu: Cpu, addr: number): number {
  return rd16(cpu.bus.ram, addr);
}

export function u32At(cpu: Cpu, addr: number): number {
  return rd32(cpu.bus.ram, addr);
}

export function f64At(cpu: Cpu, addr: number): number {
  return new Float64Array(cpu.bus.ram.slice(addr, addr + 8).buffer)[0];
}
