/**
 * Where generated WebAssembly finds the processor: byte offsets in the
 * arena (arena.ts) of the registers, the segment checks, the code-page map,
 * and a small block of slots that carries what lives in JavaScript fields
 * of the Cpu (EIP, the lazy flags, the pending charges) across the
 * boundary. The slots are copied to and from the Cpu where control crosses:
 * on entry, at each call of a handler, and on return.
 */
import { type Cpu, CS } from "../../cpu.js";
import { CrossingStep } from "../crossing.js";
import { Chains } from "./chain.js";

/** Int32 slots, by byte offset in the slot block. */
export const enum Slot {
  EIP = 0,
  LEFT = 4,
  FLAGS = 8,
  /**
   * Which flags are lazy (the Cpu's `lazy`, bits 0-11) and the record's
   * operation, size and carry in (`Kind`): one store where a block leaves a
   * record behind.
   */
  LZKIND = 12,
  LZDST = 20,
  LZSRC = 24,
  LZRES = 28,
  SSBIG = 40,
  /** The CPL (read by CLI's form; a handler that changes it runs before the next copy). */
  CPL = 44,
  /**
   * The instructions (low word) and cycles (high word) charged by compiled
   * code and not yet added to the Cpu: one int64, so that a block's charge
   * is one add (count + cycles · 2^32). Neither word overflows: they go to
   * the Cpu at every call out and return, and a run between those takes at
   * most `MAX_LEFT` steps.
   */
  CHARGES = 48,
}
const SLOT_BYTES = 56;

/** Fields of Slot.LZKIND above the lazy flags' mask: the operation (Lz), the size in bytes, the carry in. */
export const enum Kind {
  OP_SHIFT = 12,
  OP_MASK = 3,
  SIZE_SHIFT = 16,
  SIZE_MASK = 7,
  CIN_SHIFT = 20,
}

/** The LZKIND word of a record. */
export function kindWord(lazy: number, op: number, size: number, cin: number): number {
  return lazy | (op << Kind.OP_SHIFT) | (size << Kind.SIZE_SHIFT) | (cin << Kind.CIN_SHIFT);
}

/**
 * The most steps compiled code takes in one call from the dispatcher: at
 * most 2^14 cycles each (an I/O instruction is 3,200), the cycles charged in
 * one call stay below 2^32.
 */
export const MAX_LEFT = 1 << 18;

const LAYOUTS = new WeakMap<Cpu, Layout>();

/** The processor's layout (one per processor: engines come and go, the slots stay). */
export function layoutOf(cpu: Cpu): Layout {
  let at = LAYOUTS.get(cpu);
  if (at === undefined) {
    at = new Layout(cpu);
    LAYOUTS.set(cpu, at);
  }
  return at;
}

export class Layout {
  readonly regs: number;
  readonly segBase: number;
  readonly readLo: number;
  readonly readHi: number;
  readonly writeLo: number;
  readonly writeHi: number;
  /** Per segment, whether its limit checks may be skipped (`Cpu.segWhole`). */
  readonly segWhole: number;
  readonly codePages: number;
  /** The last valid offset of CS (`segHi[CS]`, float64). */
  readonly codeHi: number;
  readonly slots: number;
  /** The regions' shared function table and chain cache (chain.ts). */
  readonly chains: Chains;
  /** The regions' step of instructions that cross into the next page (crossing.ts). */
  readonly crossing = new CrossingStep();
  private readonly s: Int32Array;

  constructor(cpu: Cpu) {
    const arena = cpu.arena;
    this.regs = cpu.regs.byteOffset;
    this.segBase = cpu.segBase.byteOffset;
    this.readLo = cpu.segReadLo.byteOffset;
    this.readHi = cpu.segReadHi.byteOffset;
    this.writeLo = cpu.segWriteLo.byteOffset;
    this.writeHi = cpu.segWriteHi.byteOffset;
    this.segWhole = cpu.segWhole.byteOffset;
    this.codePages = cpu.codePages.byteOffset;
    this.codeHi = cpu.segHi.byteOffset + 8 * CS;
    this.slots = arena.alloc(SLOT_BYTES);
    this.chains = new Chains(arena);
    this.s = new Int32Array(arena.buffer, this.slots, SLOT_BYTES >> 2);
  }

  /** The Cpu's EIP, flags and stack size into the slots (on entry, and after a handler). */
  fromCpu(cpu: Cpu): void {
    const s = this.s;
    s[Slot.EIP >> 2] = cpu.eip;
    s[Slot.FLAGS >> 2] = cpu.flags;
    s[Slot.LZKIND >> 2] = kindWord(cpu.lazy, cpu.lzOp, cpu.lzSize, cpu.lzCin);
    s[Slot.LZDST >> 2] = cpu.lzDst;
    s[Slot.LZSRC >> 2] = cpu.lzSrc;
    s[Slot.LZRES >> 2] = cpu.lzRes;
    s[Slot.SSBIG >> 2] = cpu.ssBig ? 1 : 0;
    s[Slot.CPL >> 2] = cpu.cpl;
  }

  /** The slots' flags and charges into the Cpu (before a handler, and on return). */
  toCpu(cpu: Cpu): void {
    const s = this.s;
    cpu.flags = s[Slot.FLAGS >> 2];
    const kind = s[Slot.LZKIND >> 2];
    cpu.lazy = kind & ((1 << Kind.OP_SHIFT) - 1);
    cpu.lzOp = (kind >>> Kind.OP_SHIFT) & Kind.OP_MASK;
    cpu.lzSize = (kind >>> Kind.SIZE_SHIFT) & Kind.SIZE_MASK;
    cpu.lzCin = kind >>> Kind.CIN_SHIFT;
    cpu.lzDst = s[Slot.LZDST >> 2] >>> 0;
    cpu.lzSrc = s[Slot.LZSRC >> 2] >>> 0;
    cpu.lzRes = s[Slot.LZRES >> 2] >>> 0;
    cpu.instructions += s[Slot.CHARGES >> 2] >>> 0;
    cpu.cycles += s[(Slot.CHARGES >> 2) + 1] >>> 0;
    s[Slot.CHARGES >> 2] = 0;
    s[(Slot.CHARGES >> 2) + 1] = 0;
  }

  get eip(): number {
    return this.s[Slot.EIP >> 2] >>> 0;
  }
  get left(): number {
    return this.s[Slot.LEFT >> 2];
  }
  set left(n: number) {
    this.s[Slot.LEFT >> 2] = n;
  }
}
