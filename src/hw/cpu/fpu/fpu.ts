/**
 * x87 FPU state (Intel SDM vol. 1, ch. 8). The instruction semantics live
 * beside this file: float80.ts (memory formats), rounding.ts (RC/PC and
 * the result exceptions of double arithmetic), exact.ts (BigInt arithmetic
 * for 64-bit significands), arith.ts, compare.ts, loadstore.ts,
 * transcendental.ts, env.ts, and ops.ts which installs the handlers.
 *
 * How the 80-bit registers are held
 * ---------------------------------
 * Each physical register R0..R7 is a JavaScript double (`st`) plus a class
 * byte (`cls`) and, when the class says so, an exact 80-bit image in
 * `rawSe` (sign and 15-bit exponent), `rawHi` and `rawLo` (the 64-bit
 * significand, explicit integer bit included).
 *
 *   cls = 0          the double IS the value (finite or infinite). Every
 *                    m32/m64 real, m16/m32 integer, and every m64 integer
 *                    or m80 value that a double can hold exactly lands here.
 *   cls & RAW        the raw image is the value; `st` is its nearest double.
 *                    This keeps values a double cannot hold bit-exact while
 *                    they are only moved: FILD m64 of 2^63-1 → FISTP m64,
 *                    FLD m80 → FSTP m80, FLDPI → FSTP m80, FBLD → FBSTP, and
 *                    through FLD ST(i), FXCH, FST ST(i), FCMOVcc, FCHS,
 *                    FABS, FXTRACT, FRNDINT, FSAVE/FRSTOR. Conversions that
 *                    read a register (FST m32/m64, FIST, FBSTP, compares,
 *                    FXAM, the tag word) use the raw image, so they round
 *                    exactly once as the hardware does.
 *   cls & NAN        a NaN; its sign and payload are only in the raw image
 *                    (a double NaN cannot be trusted to keep its bits), so
 *                    NaN propagation and the negative "real indefinite"
 *                    (FFFF C000000000000000) are exact.
 *   cls & UNSUP      an encoding the P6 rejects (unnormal, pseudo-NaN,
 *                    pseudo-infinity): arithmetic on it raises #IA.
 *   cls & DENORM     an 80-bit denormal (or, in the operand slot, an m32/m64
 *                    denormal): arithmetic on it raises #D.
 *
 * Where doubles fall short of double-extended precision, and what we do:
 * - Arithmetic on plain doubles (FADD...FDIV, FSQRT, FPREM, FSCALE)
 *   computes on doubles: results have 53 significant bits, not 64, when
 *   PC says 64 bits (the default 037F). PC = 53 bits is then exact, and
 *   PC = 24 bits is honoured. So 1/3 is 3FFD AAAAAAAAAAAAA800 in a register
 *   where the hardware holds …AAAB; stored as m64/m32 the value agrees with
 *   the hardware except in rare double-rounding ties.
 * - When an operand is RAW (a 64-bit significand: FILD m64 beyond 2^53,
 *   FLD m80, FLDPI & co., FBLD), exact.ts computes the operation exactly
 *   on BigInts and rounds once to PC's precision: these results are the
 *   hardware's, bit for bit (uint64 → double conversions, π arithmetic).
 * - The exponent range of plain results is the double's: a result beyond
 *   ~1.8e308 overflows (#O) and one below ~2.2e-308 underflows (#U) where
 *   the real FPU has range to spare (RAW results keep the 80-bit range).
 * - Rounding control is exact for the double arithmetic too: rounding.ts
 *   works out the sign of each operation's rounding error (TwoSum, Dekker
 *   products, no FMA needed), so RC up/down/chop, PE and C1 ("rounded up")
 *   are right for the 53-bit result. FRNDINT, FIST and FBSTP round by RC
 *   exactly, also from RAW values.
 * - Unmasked #O/#U in a register result do not scale it by 2^±24576 (it
 *   cannot be held); the masked result is delivered and ES is set. Stores
 *   to memory with unmasked #I/#O/#U store nothing, as the manual says.
 * - Transcendentals use Math.* on the nearest doubles (about 1 ulp of a
 *   double; the FPU is more precise and reduces arguments with a 66-bit π)
 *   and set PE unless exact; C1 is left 0 for them.
 * - FPREM/FPREM1 are exact (JavaScript's % is an exact fmod; RAW operands
 *   go through exact.ts).
 *
 * The FPU's copy of TOP lives in `top`; `status` composes the status word.
 * An extra slot 8 holds a memory operand converted to register form, so the
 * arithmetic sees one kind of operand.
 */

/** Status word bits. */
export const IE = 0x0001;
export const DE = 0x0002;
export const ZE = 0x0004;
export const OE = 0x0008;
export const UE = 0x0010;
export const PE = 0x0020;
export const SF = 0x0040;
export const ES = 0x0080;
export const C0 = 0x0100;
export const C1 = 0x0200;
export const C2 = 0x0400;
export const C3 = 0x4000;
export const B = 0x8000;
/** The six exception flags (and the matching control-word masks). */
export const EXC = 0x3f;
export const CC = C0 | C1 | C2 | C3;

/** Control word fields. */
export const PC_SHIFT = 8;
export const RC_SHIFT = 10;
export const enum Rc {
  NEAREST = 0,
  DOWN = 1,
  UP = 2,
  CHOP = 3,
}

/** Register class bits (`Fpu.cls`). */
export const RAW = 1;
export const NAN = 2;
export const UNSUP = 4;
export const DENORM = 8;

/** Tag values as FSTENV stores them. */
export const TAG_VALID = 0;
export const TAG_ZERO = 1;
export const TAG_SPECIAL = 2;
export const TAG_EMPTY = 3;

/** The operand slot: a memory operand in register form. */
export const OPND = 8;

export class Fpu {
  /** R0..R7 as doubles (see the note above), slot 8 = memory operand. */
  readonly st = new Float64Array(9);
  readonly cls = new Uint8Array(9);
  readonly rawSe = new Uint16Array(9);
  readonly rawHi = new Uint32Array(9);
  readonly rawLo = new Uint32Array(9);
  /** 1 when the physical register's tag is "empty". */
  readonly empty = new Uint8Array(8);

  top = 0;
  control = 0x037f;
  /** Status word without TOP (bits 11–13 kept zero). */
  sw = 0;

  /** Last non-control instruction: CS:EIP, 11-bit opcode, data pointer DS:offset. */
  fip = 0;
  fcs = 0;
  fop = 0;
  fdp = 0;
  fds = 0;

  /**
   * FERR# for CR0.NE = 0 (the PC's IRQ 13): called when a waiting
   * instruction finds an unmasked exception pending. It is a level: it is
   * called again by each waiting instruction until the guest clears ES. The
   * instruction then proceeds as with IGNNE# asserted.
   */
  onFerr: (() => void) | undefined = undefined;

  constructor() {
    this.reset();
  }

  /**
   * Power-on / RESET state (SDM vol. 3, table 9-1): CW 0040 (all
   * exceptions unmasked), TW 5555 (every register a valid +0), SW 0. BIOS
   * and OS run FNINIT before using the FPU; QEMU instead resets to FNINIT's
   * state, so a test compared with Unicorn should start with FNINIT.
   */
  reset(): void {
    this.st.fill(0);
    this.cls.fill(0);
    this.empty.fill(0);
    this.top = 0;
    this.control = 0x0040;
    this.sw = 0;
    this.fip = this.fcs = this.fop = this.fdp = this.fds = 0;
  }

  /** FNINIT: CW 037F, SW 0, all registers empty, pointers cleared; register contents stay. */
  init(): void {
    this.control = 0x037f;
    this.sw = 0;
    this.top = 0;
    this.empty.fill(1);
    this.fip = this.fcs = this.fop = this.fdp = this.fds = 0;
  }

  get status(): number {
    return (this.sw & ~0x3800) | (this.top << 11);
  }

  set status(v: number) {
    this.top = (v >> 11) & 7;
    this.sw = v & 0xc7ff;
  }

  /** Rounding control of the control word. */
  get rc(): Rc {
    return (this.control >> RC_SHIFT) & 3;
  }

  /** Physical register number of ST(i). */
  phys(i: number): number {
    return (this.top + i) & 7;
  }

  /** The full tag word, computed from the contents as FSTENV/FSAVE store it. */
  get tag(): number {
    let t = 0;
    for (let r = 7; r >= 0; r--) t = (t << 2) | this.tagOf(r);
    return t;
  }

  /** FLDENV/FRSTOR: only "empty or not" is taken from the image (SDM vol. 1, 8.1.7). */
  set tag(v: number) {
    for (let r = 0; r < 8; r++) this.empty[r] = ((v >> (2 * r)) & 3) === 3 ? 1 : 0;
  }

  tagOf(r: number): number {
    if (this.empty[r]) return TAG_EMPTY;
    const c = this.cls[r];
    if (c & RAW) {
      const e = this.rawSe[r] & 0x7fff;
      if (e === 0) return this.rawHi[r] === 0 && this.rawLo[r] === 0 ? TAG_ZERO : TAG_SPECIAL;
      return e === 0x7fff || !(this.rawHi[r] & 0x80000000) ? TAG_SPECIAL : TAG_VALID;
    }
    const v = this.st[r];
    if (v === 0) return TAG_ZERO;
    return v - v === 0 ? TAG_VALID : TAG_SPECIAL; // infinities are special
  }

  // --- register contents -------------------------------------------------

  /** Slot `r` := the double `v` (which holds the value exactly). */
  set(r: number, v: number): void {
    this.st[r] = v;
    this.cls[r] = 0;
    if (r < 8) this.empty[r] = 0;
  }

  /** Slot `r` := the 80-bit value sign/exponent `se`, significand hi:lo, with class `c` and nearest double `approx`. */
  setRaw(r: number, se: number, hi: number, lo: number, c: number, approx: number): void {
    this.st[r] = approx;
    this.cls[r] = c;
    this.rawSe[r] = se;
    this.rawHi[r] = hi;
    this.rawLo[r] = lo;
    if (r < 8) this.empty[r] = 0;
  }

  /** Slot `r` := the QNaN floating-point indefinite (FFFF C000000000000000). */
  setIndefinite(r: number): void {
    this.setRaw(r, 0xffff, 0xc0000000, 0, RAW | NAN, Number.NaN);
  }

  /** Copy slot `src` to slot `dst` with its exact image. */
  copy(dst: number, src: number): void {
    this.st[dst] = this.st[src];
    this.cls[dst] = this.cls[src];
    this.rawSe[dst] = this.rawSe[src];
    this.rawHi[dst] = this.rawHi[src];
    this.rawLo[dst] = this.rawLo[src];
    if (dst < 8) this.empty[dst] = 0;
  }

  /** Sign bit of slot `r` (also for NaNs and zeros). */
  sign(r: number): number {
    if (this.cls[r] & RAW) return this.rawSe[r] >> 15;
    const v = this.st[r];
    return v < 0 || Object.is(v, -0) ? 1 : 0;
  }

  // --- exceptions ----------------------------------------------------------

  /**
   * Record exception flags. Returns true when one of them is unmasked:
   * ES and B are set then, and for #I, #D and #Z the caller must leave its
   * destination (and TOP) unchanged (SDM vol. 1, 8.7).
   */
  raise(flags: number): boolean {
    this.sw |= flags;
    if (flags & ~this.control & EXC) {
      this.sw |= ES | B;
      return true;
    }
    return false;
  }

  /** Recompute ES/B after the control or status word was loaded. */
  syncSummary(): void {
    if (this.sw & ~this.control & EXC) this.sw |= ES | B;
    else this.sw &= ~(ES | B);
  }

  /**
   * Stack underflow (#IS with C1 = 0): returns true when unmasked, i.e.
   * the instruction must not change its destination.
   */
  underflow(): boolean {
    this.sw &= ~C1;
    return this.raise(IE | SF);
  }

  /** Stack overflow (#IS with C1 = 1); returns true when unmasked. */
  overflow(): boolean {
    this.sw |= C1;
    return this.raise(IE | SF);
  }

  /**
   * Push: decrement TOP, checking that the new ST(0) is empty. Returns the
   * physical register to write, or -1 when an unmasked overflow aborts the
   * instruction. On a masked overflow the new ST(0) is already the
   * indefinite and -1 is returned too (nothing more to write).
   */
  push(): number {
    const r = (this.top - 1) & 7;
    if (!this.empty[r]) {
      if (this.overflow()) return -1;
      this.top = r;
      this.setIndefinite(r);
      return -1;
    }
    this.top = r;
    return r;
  }

  /** Pop: mark ST(0) empty and increment TOP. */
  pop(): void {
    this.empty[this.top] = 1;
    this.top = (this.top + 1) & 7;
  }
}
