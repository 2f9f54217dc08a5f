/**
 * What both code generators keep for a region besides the code: each
 * instruction with its handler, and what a fault at it must undo or charge.
 * Generated code charges cycles and instructions once per block (and
 * before instructions that observe the time), so a fault in the middle of
 * a block finds part of the block run but not charged; the ledger records
 * how much, and `fault` settles it to leave exactly the interpreter's state.
 */
import type { Cpu, ExitReason } from "../cpu.js";
import { ABANDON, CpuFault } from "../fault.js";
import type { Insn } from "../insn.js";
import { raise } from "../interrupts.js";
import { HANDLERS } from "../ops/index.js";
import type { Handler } from "../ops/table.js";

/**
 * What compiled code returns: nothing to report, an exit, ABANDON (interpret
 * the instruction at EIP), or the compiled code to go on with (at the page
 * offset `cpu.jitLabel`).
 */
export type RegionResult = ExitReason | null | typeof ABANDON | RegionCode;
export type RegionCode = (cpu: Cpu, label: number) => RegionResult;

/** Per instruction of a region, what a fault there must undo or charge. */
export interface FaultTables {
  /** Offset in the page. */
  readonly offsets: Int32Array;
  /** Cycles and instructions executed before it in its block and not yet charged. */
  readonly cycles: Float64Array;
  readonly count: Int32Array;
  /** Steps its block had left, counting it. */
  readonly left: Int32Array;
}

/** The instructions of a region as a generator walks them, block by block. */
export class Ledger {
  /** By instruction index `k`, the index generated code names an instruction by. */
  readonly insns: Insn[] = [];
  readonly handlers: Handler[] = [];
  readonly offsets: number[] = [];
  private readonly pendingCycles: number[] = [];
  private readonly pendingCount: number[] = [];
  private readonly left: number[] = [];
  /** Cycles and instructions of the current block that ran and are not charged yet. */
  private cycles = 0;
  private count = 0;

  /** Instruction `i` at page offset `off`, with `left` steps of its block left counting it: its index k. */
  add(i: Insn, off: number, left: number): number {
    this.insns.push(i);
    this.handlers.push(HANDLERS[i.op]);
    this.offsets.push(off);
    this.left.push(left);
    return this.insns.length - 1;
  }

  /** Instruction `i` (the last added) runs: a fault in it finds what is pending now; then its own cost is pending. */
  ran(i: Insn): void {
    this.pendingCycles.push(this.cycles);
    this.pendingCount.push(this.count);
    this.cycles += i.cycles;
    this.count++;
  }

  /** What the generated code must charge now (zero when nothing is pending), and nothing pending after. */
  charge(): { cycles: number; count: number } {
    const due = { cycles: this.cycles, count: this.count };
    this.cycles = 0;
    this.count = 0;
    return due;
  }

  tables(): FaultTables {
    return {
      offsets: Int32Array.from(this.offsets),
      cycles: Float64Array.from(this.pendingCycles),
      count: Int32Array.from(this.pendingCount),
      left: Int32Array.from(this.left),
    };
  }
}

/**
 * A fault (or ABANDON) thrown by instruction `k` of compiled code: charge
 * what ran before it, put EIP on it, give back the steps not taken, and
 * deliver the exception as the interpreter would.
 */
export function fault(cpu: Cpu, e: unknown, base: number, k: number, t: FaultTables): RegionResult {
  cpu.compiledAccess = false;
  if (k < 0) throw e;
  cpu.cycles += t.cycles[k];
  cpu.instructions += t.count[k];
  const eip = (base + t.offsets[k]) >>> 0;
  if (e === ABANDON) {
    cpu.eip = eip;
    cpu.jitLeft += t.left[k];
    return ABANDON;
  }
  if (!(e instanceof CpuFault)) throw e;
  // The faulting instruction was a step, as in the interpreter.
  cpu.jitLeft += t.left[k] - 1;
  if (!e.trap) cpu.eip = eip;
  return raise(cpu, e);
}
