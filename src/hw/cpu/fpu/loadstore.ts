/**
 * Data transfer (SDM vol. 2: FLD, FILD, FBLD, the constants, FST/FSTP,
 * FIST/FISTP, FBSTP, FXCH, FCMOVcc, FFREE, FINCSTP, FDECSTP).
 *
 * Stores compute the bytes and the exception flags first, then write
 * memory (multi-part stores probe the whole range first), and only then
 * touch the FPU: a faulting store leaves the FPU as it was. An unmasked
 * #I, #O or #U on a store to memory stores nothing and does not pop.
 */
import type { Cpu } from "../cpu.js";
import { getCF, getPF, getZF } from "../flags.js";
import type { Insn } from "../insn.js";
import { isSignaling } from "./arith.js";
import {
  cvt,
  fromBigInt,
  fromInt64,
  fromRaw,
  fromReal4,
  fromReal8,
  lastLo,
  nanToReal4,
  nanToReal8,
  raw,
  rawToBigInt,
  roundDouble,
  roundRaw,
  toRaw,
  toReal4,
  toReal8,
} from "./float80.js";
import { C1, DE, DENORM, type Fpu, IE, NAN, OE, OPND, PE, RAW, Rc, SF, UE, UNSUP } from "./fpu.js";

// --- loads -----------------------------------------------------------------

/**
 * Push slot OPND. `arith`: FLD m32/m64 are arithmetic loads, so an SNaN
 * raises #IA (and is quietened) and a denormal raises #D.
 */
export function pushOperand(f: Fpu, arith: boolean): void {
  const r = (f.top - 1) & 7;
  if (!f.empty[r]) {
    if (f.overflow()) return;
    f.top = r;
    f.setIndefinite(r);
    return;
  }
  const c = f.cls[OPND];
  if (arith && c !== 0) {
    if (c & NAN && isSignaling(f, OPND)) {
      if (f.raise(IE)) return;
      f.rawHi[OPND] |= 0x40000000;
    }
    if (c & DENORM) {
      if (f.raise(DE)) return;
      f.cls[OPND] = c & ~DENORM; // a normal number in the register format
    }
  }
  f.sw &= ~C1;
  f.top = r;
  f.copy(r, OPND);
}

export function fldReal4(cpu: Cpu, i: Insn, off: number): void {
  const bits = cpu.read32(i.seg, off);
  fromReal4(cpu.fpu, OPND, bits, true);
  pushOperand(cpu.fpu, true);
}

export function fldReal8(cpu: Cpu, i: Insn, off: number): void {
  const lo = cpu.read32(i.seg, off);
  const hi = cpu.read32(i.seg, off + 4);
  fromReal8(cpu.fpu, OPND, hi, lo, true);
  pushOperand(cpu.fpu, true);
}

export function fldReal10(cpu: Cpu, i: Insn, off: number): void {
  const lo = cpu.read32(i.seg, off);
  const hi = cpu.read32(i.seg, off + 4);
  const se = cpu.read16(i.seg, off + 8);
  fromRaw(cpu.fpu, OPND, se, hi, lo);
  pushOperand(cpu.fpu, false);
}

export function fildInt16(cpu: Cpu, i: Insn, off: number): void {
  cpu.fpu.set(OPND, (cpu.read16(i.seg, off) << 16) >> 16);
  pushOperand(cpu.fpu, false);
}

export function fildInt32(cpu: Cpu, i: Insn, off: number): void {
  cpu.fpu.set(OPND, cpu.read32(i.seg, off) | 0);
  pushOperand(cpu.fpu, false);
}

export function fildInt64(cpu: Cpu, i: Insn, off: number): void {
  const lo = cpu.read32(i.seg, off);
  const hi = cpu.read32(i.seg, off + 4);
  fromInt64(cpu.fpu, OPND, hi, lo);
  pushOperand(cpu.fpu, false);
}

/** FBLD: 18 packed BCD digits, sign in bit 79 (digits above 9 are taken at face value). */
export function fbld(cpu: Cpu, i: Insn, off: number): void {
  let n = 0n;
  for (let k = 8; k >= 0; k--) {
    const b = cpu.read8(i.seg, off + k);
    n = n * 100n + BigInt((b >> 4) * 10 + (b & 15));
  }
  const neg = cpu.read8(i.seg, off + 9) & 0x80;
  const f = cpu.fpu;
  if (n === 0n) f.set(OPND, neg ? -0 : 0);
  else fromBigInt(f, OPND, neg ? -n : n);
  pushOperand(f, false);
}

/** FLD ST(i) (the source is read before the push). */
export function fldReg(f: Fpu, i: number): void {
  const src = f.phys(i);
  const r = (f.top - 1) & 7;
  if (!f.empty[r]) {
    if (f.overflow()) return;
    f.top = r;
    f.setIndefinite(r);
    return;
  }
  if (f.empty[src]) {
    if (f.underflow()) return;
    f.top = r;
    f.setIndefinite(r);
    return;
  }
  f.sw &= ~C1;
  f.copy(OPND, src);
  f.top = r;
  f.copy(r, OPND);
}

/**
 * The constants of FLD1/FLDL2T/FLDL2E/FLDPI/FLDLG2/FLDLN2/FLDZ as
 * 64-bit significands rounded to nearest, and whether the discarded part
 * of the exact constant was below one half (so RC down/chop step down for
 * the ones rounded up, and RC up steps up for L2T, which was rounded down).
 */
const CONST_SE = [0x3fff, 0x4000, 0x3fff, 0x4000, 0x3ffd, 0x3ffe, 0];
const CONST_HI = [0x80000000, 0xd49a784b, 0xb8aa3b29, 0xc90fdaa2, 0x9a209a84, 0xb17217f7, 0];
const CONST_LO = [0, 0xcd1b8afe, 0x5c17f0bc, 0x2168c235, 0xfbcff799, 0xd1cf79ac, 0];
/** +1: the nearest value is above the exact constant, −1 below, 0 exact. */
const CONST_DIR = [0, -1, 1, 1, 1, 1, 0];
/** Nearest doubles of the constants, for arithmetic on them. */
const CONST_APPROX = CONST_SE.map((se, k) => (se ? roundRaw(0, se, CONST_HI[k], CONST_LO[k], 53, -1022, 1023, Rc.NEAREST) : 0));

/** FLD1 (k = 0) … FLDZ (k = 6), D9 E8+k. */
export function fldConst(f: Fpu, k: number): void {
  const r = f.push();
  if (r < 0) return;
  f.sw &= ~C1;
  const dir = CONST_DIR[k];
  const rc = f.rc;
  let lo = CONST_LO[k];
  if (dir > 0 && (rc === Rc.DOWN || rc === Rc.CHOP)) lo -= 1;
  else if (dir < 0 && rc === Rc.UP) lo += 1;
  if (k === 0 || k === 6) f.set(r, k === 0 ? 1 : 0);
  else f.setRaw(r, CONST_SE[k], CONST_HI[k], lo >>> 0, RAW, CONST_APPROX[k]);
}

// --- stores -------------------------------------------------------------------

/**
 * Finish a store to memory after its bytes were computed with `flags`:
 * returns false when an unmasked #I/#O/#U forbids the store (the flags
 * are recorded and ES set).
 */
function storeAllowed(f: Fpu, flags: number): boolean {
  if (flags & ~f.control & (IE | OE | UE)) {
    commit(f, flags, false);
    return false;
  }
  return true;
}

/** Record a store's flags (C1 from `flags`), then pop if asked. */
function commit(f: Fpu, flags: number, pop: boolean): void {
  f.sw &= ~C1;
  if (flags) f.raise(flags);
  if (pop) f.pop();
}

/** An 8-byte store that either completes or faults before writing anything. */
function store64(cpu: Cpu, seg: number, off: number, lo: number, hi: number): void {
  cpu.probeWrite(seg, off, 8);
  cpu.write32(seg, off, lo);
  cpu.write32(seg, off + 4, hi);
}

const UNDERFLOW = IE | SF;

/**
 * FST/FSTP m32 (bytes = 4) and m64 (bytes = 8): ST(0) rounded by RC. An
 * empty or unsupported register stores the real indefinite, a NaN its
 * quietened self (IE when it was signaling).
 */
export function fstReal(cpu: Cpu, i: Insn, off: number, bytes: 4 | 8, pop: boolean): void {
  const f = cpu.fpu;
  const r = f.top;
  const real8 = bytes === 8;
  let hi = real8 ? 0xfff80000 : 0xffc00000; // the real indefinite: a whole real4, the high word of a real8
  let lo = 0;
  let flags = 0;
  if (f.empty[r]) flags = UNDERFLOW;
  else if (f.cls[r] & UNSUP) flags = IE;
  else if (f.cls[r] & NAN) {
    hi = real8 ? nanToReal8(f, r) : nanToReal4(f, r);
    lo = lastLo;
    if (isSignaling(f, r)) flags = IE;
  } else {
    hi = real8 ? toReal8(f, r, f.rc) : toReal4(f, r, f.rc);
    lo = lastLo;
    flags = cvt.flags;
  }
  if (!storeAllowed(f, flags)) return;
  if (real8) store64(cpu, i.seg, off, lo, hi);
  else cpu.write32(i.seg, off, hi);
  commit(f, flags, pop);
}

/** FSTP m80: a non-arithmetic store of the exact image. */
export function fstpReal10(cpu: Cpu, i: Insn, off: number): void {
  const f = cpu.fpu;
  const r = f.top;
  let flags = 0;
  if (f.empty[r]) {
    raw.se = 0xffff;
    raw.hi = 0xc0000000;
    raw.lo = 0;
    flags = UNDERFLOW;
    if (!storeAllowed(f, flags)) return;
  } else toRaw(f, r);
  const { se, hi, lo } = raw;
  cpu.probeWrite(i.seg, off, 10);
  cpu.write32(i.seg, off, lo);
  cpu.write32(i.seg, off + 4, hi);
  cpu.write16(i.seg, off + 8, se);
  commit(f, flags, true);
}

/** Integer conversion result: low and high words and flags. */
let intLo = 0;
let intHi = 0;

/**
 * ST(0) rounded by RC to a `bytes`-byte integer into intHi:intLo; returns
 * the flags (IE with the integer indefinite 0x80…0 when out of range).
 */
function toInteger(f: Fpu, bytes: number): number {
  const r = f.top;
  if (f.empty[r]) return indefiniteInt(UNDERFLOW);
  const c = f.cls[r];
  if (c & (NAN | UNSUP)) return indefiniteInt(IE);
  if (c & RAW) {
    const n = rawToBigInt(f, r, f.rc);
    const flags = cvt.flags;
    const lim = 1n << BigInt(bytes * 8 - 1);
    if (n < -lim || n >= lim) return indefiniteInt(IE);
    intLo = Number(BigInt.asUintN(32, n));
    intHi = Number(BigInt.asIntN(32, n >> 32n));
    return flags;
  }
  const v = f.st[r];
  const n = roundDouble(v, f.rc);
  const lim = bytes === 2 ? 32768 : bytes === 4 ? 2147483648 : 2 ** 63;
  if (!(n >= -lim && n < lim)) return indefiniteInt(IE); // also ±∞
  const hi = Math.floor(n / 4294967296);
  intHi = hi | 0;
  intLo = (n - hi * 4294967296) >>> 0;
  if (n === v) return 0;
  return PE | (Math.abs(n) > Math.abs(v) ? C1 : 0);
}

function indefiniteInt(flags: number): number {
  intLo = 0;
  intHi = 0x80000000 | 0;
  return flags;
}

/** FIST/FISTP m16, m32, m64 (bytes = 2, 4, 8). */
export function fist(cpu: Cpu, i: Insn, off: number, bytes: number, pop: boolean): void {
  const f = cpu.fpu;
  const flags = toInteger(f, bytes);
  if (!storeAllowed(f, flags)) return;
  const indefinite = flags & IE;
  if (bytes === 2) cpu.write16(i.seg, off, indefinite ? 0x8000 : intLo);
  else if (bytes === 4) cpu.write32(i.seg, off, indefinite ? 0x80000000 : intLo);
  else store64(cpu, i.seg, off, intLo, intHi);
  commit(f, flags, pop);
}

/** FBSTP: ST(0) rounded by RC to 18 BCD digits; out of range → the BCD indefinite. */
export function fbstp(cpu: Cpu, i: Insn, off: number): void {
  const f = cpu.fpu;
  const r = f.top;
  let flags = 0;
  let digits = "";
  let neg = 0;
  if (f.empty[r]) flags = UNDERFLOW;
  else if (f.cls[r] & (NAN | UNSUP)) flags = IE;
  else {
    neg = f.sign(r);
    let n: bigint;
    if (f.cls[r] & RAW) {
      n = rawToBigInt(f, r, f.rc);
      flags = cvt.flags;
    } else {
      const v = f.st[r];
      const m = roundDouble(v, f.rc);
      if (m - m !== 0) n = 10n ** 18n;
      else {
        n = BigInt(m);
        if (m !== v) flags = PE | (Math.abs(m) > Math.abs(v) ? C1 : 0);
      }
    }
    if (n < 0n) n = -n;
    if (n >= 10n ** 18n) flags = IE;
    else digits = n.toString().padStart(18, "0");
  }
  if (!storeAllowed(f, flags)) return;
  const bytes = new Uint8Array(10);
  if (flags & IE) {
    bytes[7] = 0xc0;
    bytes[8] = 0xff;
    bytes[9] = 0xff;
  } else {
    for (let k = 0; k < 9; k++) {
      const hi = digits.charCodeAt(16 - 2 * k) - 48;
      const lo = digits.charCodeAt(17 - 2 * k) - 48;
      bytes[k] = (hi << 4) | lo;
    }
    bytes[9] = neg ? 0x80 : 0;
  }
  cpu.probeWrite(i.seg, off, 10);
  for (let k = 0; k < 10; k++) cpu.write8(i.seg, off + k, bytes[k]);
  commit(f, flags, true);
}

/** FST/FSTP ST(i). */
export function fstReg(f: Fpu, i: number, pop: boolean): void {
  const r = f.top;
  const dst = f.phys(i);
  if (f.empty[r]) {
    if (f.underflow()) return;
    f.setIndefinite(dst);
  } else {
    f.sw &= ~C1;
    f.copy(dst, r);
  }
  if (pop) f.pop();
}

/** FXCH ST(i): empty operands become the indefinite when #IS is masked. */
export function fxch(f: Fpu, i: number): void {
  const a = f.top;
  const b = f.phys(i);
  if (f.empty[a] || f.empty[b]) {
    if (f.underflow()) return;
    if (f.empty[a]) f.setIndefinite(a);
    if (f.empty[b]) f.setIndefinite(b);
  } else f.sw &= ~C1;
  f.copy(OPND, a);
  f.copy(a, b);
  f.copy(b, OPND);
}

/** FCMOVcc ST(0), ST(i): cc 0 B, 1 E, 2 BE, 3 U; `negate` for the NB/NE/NBE/NU forms. */
export function fcmov(cpu: Cpu, i: number, cc: number, negate: boolean): void {
  const f = cpu.fpu;
  const a = f.top;
  const b = f.phys(i);
  if (f.empty[a] || f.empty[b]) {
    if (!f.underflow()) f.setIndefinite(a);
    return;
  }
  f.sw &= ~C1;
  let cond: boolean;
  if (cc === 0) cond = getCF(cpu);
  else if (cc === 1) cond = getZF(cpu);
  else if (cc === 2) cond = getCF(cpu) || getZF(cpu);
  else cond = getPF(cpu);
  if (cond !== negate) f.copy(a, b);
}

/** FFREE ST(i) (and FFREEP, which pops afterwards). */
export function ffree(f: Fpu, i: number, pop: boolean): void {
  f.empty[f.phys(i)] = 1;
  if (pop) f.pop();
}

/** FINCSTP / FDECSTP: rotate TOP without touching tags. */
export function rotateTop(f: Fpu, delta: number): void {
  f.top = (f.top + delta) & 7;
  f.sw &= ~C1;
}
