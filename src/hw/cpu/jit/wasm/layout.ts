/**
 * Where generated WebAssembly finds the processor: byte offsets in the
 * arena (arena.ts) of the registers, the segment checks, the code-page map,
 * and a small block of slots that carries what lives in JavaScript fields
 * of the Cpu (EIP, the lazy flags, the pending charges) across the
 * boundary. The slots are copied to and from the Cpu where control crosses:
 * on entry, at each call of a handler, and on return.
 */
import { type Cpu, CS } from "../../cpu.js";
import { Chains } from "./chain.js";

/** Int32 slots, by byte offset in the slot block. */
export const enum Slot {
  EIP = 0,
  LEFT = 4,
  FLAGS = 8,
  LAZY = 12,
  LZOP = 16,
  LZDST = 20,
  LZSRC = 24,
  LZRES = 28,
  LZCIN = 32,
  LZSIZE = 36,
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
    s[Slot.LAZY >> 2] = cpu.lazy;
    s[Slot.LZOP >> 2] = cpu.lzOp;
    s[Slot.LZDST >> 2] = cpu.lzDst;
    s[Slot.LZSRC >> 2] = cpu.lzSrc;
    s[Slot.LZRES >> 2] = cpu.lzRes;
    s[Slot.LZCIN >> 2] = cpu.lzCin;
    s[Slot.LZSIZE >> 2] = cpu.lzSize;
    s[Slot.SSBIG >> 2] = cpu.ssBig ? 1 : 0;
    s[Slot.CPL >> 2] = cpu.cpl;
  }

  /** The slots' flags and charges into the Cpu (before a handler, and on return). */
  toCpu(cpu: Cpu): void {
    const s = this.s;
    cpu.flags = s[Slot.FLAGS >> 2];
    cpu.lazy = s[Slot.LAZY >> 2];
    cpu.lzOp = s[Slot.LZOP >> 2];
    cpu.lzDst = s[Slot.LZDST >> 2] >>> 0;
    cpu.lzSrc = s[Slot.LZSRC >> 2] >>> 0;
    cpu.lzRes = s[Slot.LZRES >> 2] >>> 0;
    cpu.lzCin = s[Slot.LZCIN >> 2];
    cpu.lzSize = s[Slot.LZSIZE >> 2];
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
