/**
 * Processor exceptions as values.
 *
 * Semantics raise a fault by throwing a `CpuFault`; the engine catches it at
 * the instruction boundary, restores EIP to the faulting instruction (faults)
 * or leaves it after the instruction (traps), and hands it to exception
 * delivery. `CpuFault` is deliberately not an `Error`: capturing a JavaScript
 * stack trace on every page fault would cost more than the fault itself.
 */

/** Exception vectors (Intel SDM vol. 3, table 6-1). */
export const enum Vec {
  DE = 0, // divide error
  DB = 1, // debug
  NMI = 2,
  BP = 3, // int3
  OF = 4, // into
  BR = 5, // bound
  UD = 6, // invalid opcode
  NM = 7, // device not available
  DF = 8, // double fault
  TS = 10, // invalid TSS
  NP = 11, // segment not present
  SS = 12, // stack-segment fault
  GP = 13, // general protection
  PF = 14, // page fault
  MF = 16, // x87 floating-point error
  AC = 17, // alignment check
  MC = 18, // machine check
}

/** Vectors that push an error code when delivered in protected mode. */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17;
}

export class CpuFault {
  constructor(
    /** Exception vector 0..31. */
    readonly vector: number,
    /** Error code, or -1 when the vector has none. */
    readonly errorCode: number = -1,
    /** A trap (int3, into) completes its instruction before delivery. */
    readonly trap: boolean = false,
  ) {}

  toString(): string {
    const code = this.errorCode >= 0 ? ` error code ${hex(this.errorCode, 4)}` : "";
    return `${vectorName(this.vector)}${code}`;
  }
}

/**
 * Thrown (never delivered to the guest) when compiled code must give an
 * instruction back to the interpreter before it has any effect: see
 * `Cpu.compiledAccess`.
 */
export const ABANDON = Symbol("abandon the instruction to the interpreter");

const NAMES = [
  "#DE divide error",
  "#DB debug",
  "NMI",
  "#BP breakpoint",
  "#OF overflow",
  "#BR bound range",
  "#UD invalid opcode",
  "#NM device not available",
  "#DF double fault",
  "coprocessor segment overrun",
  "#TS invalid TSS",
  "#NP segment not present",
  "#SS stack fault",
  "#GP general protection",
  "#PF page fault",
  "reserved 15",
  "#MF x87 error",
  "#AC alignment check",
  "#MC machine check",
];

export function vectorName(vector: number): string {
  return NAMES[vector] ?? `vector ${vector}`;
}

export function hex(value: number, digits = 8): string {
  return `0x${(value >>> 0).toString(16).padStart(digits, "0")}`;
}

// Shorthands for the common cases, so semantics read like the manual.
export const ud = (): CpuFault => new CpuFault(Vec.UD);
export const gp = (code = 0): CpuFault => new CpuFault(Vec.GP, code);
export const ss = (code = 0): CpuFault => new CpuFault(Vec.SS, code);
export const de = (): CpuFault => new CpuFault(Vec.DE);
