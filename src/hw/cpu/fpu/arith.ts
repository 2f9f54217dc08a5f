/**
 * x87 arithmetic on register slots (SDM vol. 2: FADD, FSUB(R), FMUL,
 * FDIV(R), FSQRT, FRNDINT, FSCALE, FXTRACT, FPREM, FPREM1, FCHS, FABS).
 *
 * Operands are slots of the register file (fpu.ts), so a memory operand is
 * first converted into slot OPND. Every function follows the x87 exception
 * model: #IA/#D/#Z are detected before the result is written and, when
 * unmasked, leave the destination (and TOP) unchanged; #O/#U/#P come from
 * `finish` after rounding and never prevent the write.
 */

import { exactArith, exactRemainder, exactScale, exactSqrt } from "./exact.js";
import { cvt, exponentOf, fromBigInt, fromRaw, rawToBigInt, roundDouble, scale } from "./float80.js";
import { C0, C1, C2, C3, CC, DE, DENORM, type Fpu, IE, NAN, PE, RAW, Rc, UNSUP, ZE } from "./fpu.js";
import { addError, divError, finish, mulError, sqrtError } from "./rounding.js";

/** Arithmetic operations by the ModRM reg field of D8/DC/DA/DE (2 and 3 are compares). */
export const enum ArOp {
  ADD = 0,
  MUL = 1,
  SUB = 4,
  SUBR = 5,
  DIV = 6,
  DIVR = 7,
}

/** What `operands` decided. */
export const enum Pre {
  /** Go on with the doubles in `st`. */
  GO = 0,
  /** The result (a NaN or the indefinite) has been written. */
  DONE = 1,
  /** An unmasked exception: nothing may change. */
  ABORT = 2,
}

export function isSignaling(f: Fpu, r: number): boolean {
  return (f.rawHi[r] & 0x40000000) === 0;
}

/**
 * The pre-computation checks for operand slots `a` and `b` (pass b = a for
 * one operand) that are not plain doubles: unsupported encodings (#IA,
 * indefinite), NaNs (SNaN → #IA; the result NaN chosen by SDM vol. 1
 * table 4-7 and quietened) and denormals (#D). Writes the NaN result to `dst`.
 */
export function operands(f: Fpu, a: number, b: number, dst: number): Pre {
  const ca = f.cls[a];
  const cb = f.cls[b];
  const c = ca | cb;
  if (c & UNSUP) {
    if (f.raise(IE)) return Pre.ABORT;
    f.setIndefinite(dst);
    return Pre.DONE;
  }
  if (c & NAN) {
    const sa = (ca & NAN) !== 0 && isSignaling(f, a);
    const sb = (cb & NAN) !== 0 && isSignaling(f, b);
    if ((sa || sb) && f.raise(IE)) return Pre.ABORT;
    let n: number;
    if (!(cb & NAN)) n = a;
    else if (!(ca & NAN)) n = b;
    else if (sa !== sb)
      n = sa ? b : a; // a QNaN wins over an SNaN
    else n = largerNaN(f, a, b);
    f.setRaw(dst, f.rawSe[n], (f.rawHi[n] | 0x40000000) >>> 0, f.rawLo[n], RAW | NAN, Number.NaN);
    return Pre.DONE;
  }
  if (c & DENORM && f.raise(DE)) return Pre.ABORT;
  return Pre.GO;
}

/** Of two NaNs of the same kind: the larger significand, on a tie the positive one. */
function largerNaN(f: Fpu, a: number, b: number): number {
  if (f.rawHi[a] !== f.rawHi[b]) return f.rawHi[a] > f.rawHi[b] ? a : b;
  if (f.rawLo[a] !== f.rawLo[b]) return f.rawLo[a] > f.rawLo[b] ? a : b;
  return f.rawSe[a] <= f.rawSe[b] ? a : b;
}

/** Invalid arithmetic operation (#IA): the indefinite, or nothing when unmasked. Returns false when aborted. */
export function invalid(f: Fpu, dst: number): boolean {
  if (f.raise(IE)) return false;
  f.sw &= ~C1;
  f.setIndefinite(dst);
  return true;
}

/**
 * dst := a op b for the D8-style operation `op` (SUBR/DIVR reverse the
 * operands). Returns false when an unmasked exception suppressed the result
 * (the caller then must not pop).
 */
export function arith(f: Fpu, op: ArOp, a: number, b: number, dst: number): boolean {
  if (op === ArOp.SUBR || op === ArOp.DIVR) {
    const t = a;
    a = b;
    b = t;
    op--;
  }
  const c = f.cls[a] | f.cls[b];
  if (c !== 0) {
    const pre = operands(f, a, b, dst);
    if (pre !== Pre.GO) return pre === Pre.DONE;
    if (c & RAW && !plainInfinity(f, a) && !plainInfinity(f, b)) return exactPath(f, op, a, b, dst);
  }
  const x = f.st[a];
  let y = f.st[b];
  if (op === ArOp.SUB) {
    y = -y;
    op = ArOp.ADD;
  }
  let s: number;
  if (op === ArOp.ADD) s = x + y;
  else if (op === ArOp.MUL) s = x * y;
  else s = x / y;
  if (Number.isNaN(s)) return invalid(f, dst); // ∞−∞, 0·∞, 0/0, ∞/∞
  if (x - x !== 0 || y - y !== 0) {
    // An infinite operand: the result is exact.
    f.sw &= ~C1;
    f.set(dst, s);
    return true;
  }
  let err = 0;
  if (op === ArOp.ADD) {
    if (s - s === 0) err = addError(x, y, s);
    if (s === 0 && f.rc === Rc.DOWN && !(Object.is(x, 0) && Object.is(y, 0))) s = -0; // IEEE 754 6.3
  } else if (op === ArOp.MUL) {
    if (s - s === 0 && x !== 0 && y !== 0) err = mulError(x, y, s);
  } else {
    if (y === 0) {
      if (f.raise(ZE)) return false;
      f.sw &= ~C1;
      f.set(dst, s);
      return true;
    }
    if (s - s === 0 && x !== 0) err = divError(x, y, s);
  }
  f.set(dst, finish(f, s, err));
  return true;
}

function plainInfinity(f: Fpu, r: number): boolean {
  return !(f.cls[r] & RAW) && f.st[r] - f.st[r] !== 0;
}

/** Finite operands, at least one RAW: exact arithmetic (exact.ts). */
function exactPath(f: Fpu, op: ArOp, a: number, b: number, dst: number): boolean {
  if (op === ArOp.DIV && !(f.cls[b] & RAW) && f.st[b] === 0) {
    // A nonzero RAW dividend over ±0.
    if (f.raise(ZE)) return false;
    f.sw &= ~C1;
    f.set(dst, f.sign(a) !== f.sign(b) ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
    return true;
  }
  exactArith(f, op === ArOp.ADD ? "add" : op === ArOp.SUB ? "sub" : op === ArOp.MUL ? "mul" : "div", a, b, dst);
  return true;
}

/** ST(0) is empty: #IS; with IM masked ST(0) becomes the indefinite. */
function emptyTop(f: Fpu, r: number): void {
  if (!f.underflow()) f.setIndefinite(r);
}

/** FSQRT */
export function fsqrt(f: Fpu): void {
  const r = f.top;
  if (f.empty[r]) {
    emptyTop(f, r);
    return;
  }
  if (f.cls[r] !== 0 && operands(f, r, r, r) !== Pre.GO) return;
  const v = f.st[r];
  if (f.cls[r] & RAW) {
    if (f.sign(r)) invalid(f, r);
    else exactSqrt(f, r);
    return;
  }
  if (v < 0) {
    invalid(f, r);
    return;
  }
  f.sw &= ~C1;
  if (v === 0 || v - v !== 0) {
    f.set(r, v); // ±0 and +∞ are their own roots
    return;
  }
  const s = Math.sqrt(v);
  f.set(r, finish(f, s, sqrtError(v, s)));
}

/** FRNDINT: round ST(0) to an integer by RC; exact for RAW values too. */
export function frndint(f: Fpu): void {
  const r = f.top;
  if (f.empty[r]) {
    emptyTop(f, r);
    return;
  }
  const c = f.cls[r];
  if (c !== 0 && operands(f, r, r, r) !== Pre.GO) return;
  f.sw &= ~C1;
  const rc = f.rc;
  if (c & RAW) {
    const e = f.rawSe[r] & 0x7fff;
    if (e >= 16383 + 63) return; // no fraction bits
    const neg = f.rawSe[r] >> 15;
    const n = rawToBigInt(f, r, rc);
    const flags = cvt.flags;
    if (n === 0n) f.set(r, neg ? -0 : 0);
    else fromBigInt(f, r, n);
    if (flags) f.raise(flags);
    return;
  }
  const v = f.st[r];
  const n = roundDouble(v, rc);
  if (n !== v) {
    if (Math.abs(n) > Math.abs(v)) f.sw |= C1;
    f.raise(PE);
    f.set(r, n);
  }
}

/** FSCALE: ST(0) := ST(0) · 2^trunc(ST(1)). */
export function fscale(f: Fpu): void {
  const a = f.top;
  const b = f.phys(1);
  if (f.empty[a] || f.empty[b]) {
    emptyTop(f, a);
    return;
  }
  if ((f.cls[a] | f.cls[b]) !== 0 && operands(f, a, b, a) !== Pre.GO) return;
  const x = f.st[a];
  const y = f.st[b];
  f.sw &= ~C1;
  if (y - y !== 0) {
    // ST(1) = ±∞: 0·2^+∞ and ∞·2^−∞ are invalid, the rest is x·∞ or x·0.
    if (y > 0 ? x === 0 : x - x !== 0) {
      invalid(f, a);
      return;
    }
    const neg = x < 0 || Object.is(x, -0);
    if (y > 0) f.set(a, neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
    else f.set(a, neg ? -0 : 0);
    return;
  }
  if (f.cls[a] & RAW) {
    exactScale(f, a, Math.max(-70000, Math.min(70000, Math.trunc(y))));
    return;
  }
  if (x === 0 || x - x !== 0) return; // ±0 and ±∞ scale to themselves
  const n = Math.max(-4000, Math.min(4000, Math.trunc(y)));
  const s = scale(x, n);
  let err = 0;
  if (s === 0) err = x > 0 ? 1 : -1;
  else if (s - s === 0) {
    const back = scale(s, -n);
    err = x > back ? 1 : x < back ? -1 : 0;
  }
  f.set(a, finish(f, s, err));
}

/** FXTRACT: ST(0) := significand, pushed over ST(1) := exponent. */
export function fxtract(f: Fpu): void {
  const r = f.top;
  const above = (r - 1) & 7;
  if (f.empty[r]) {
    if (f.underflow()) return;
    f.setIndefinite(r);
    f.top = above;
    f.setIndefinite(above);
    return;
  }
  if (!f.empty[above]) {
    if (f.overflow()) return;
    f.setIndefinite(r);
    f.top = above;
    f.setIndefinite(above);
    return;
  }
  f.sw &= ~C1;
  const c = f.cls[r];
  if (c !== 0) {
    const pre = operands(f, r, r, above);
    if (pre === Pre.ABORT) return;
    if (pre === Pre.DONE) {
      f.copy(r, above); // both results are the NaN
      f.top = above;
      return;
    }
  }
  const v = f.st[r];
  if (c & RAW) {
    // Exact: the exponent of the 80-bit value and its significand with exponent 0.
    const se = f.rawSe[r];
    let hi = f.rawHi[r];
    let lo = f.rawLo[r];
    let e = (se & 0x7fff) - 16383;
    if ((se & 0x7fff) === 0) {
      // Denormal: normalise.
      e = 1 - 16383;
      while (!(hi & 0x80000000)) {
        hi = ((hi << 1) | (lo >>> 31)) >>> 0;
        lo = (lo << 1) >>> 0;
        e--;
      }
    }
    f.set(r, e);
    f.top = above;
    fromRaw(f, above, (se & 0x8000) | 0x3fff, hi, lo);
    return;
  }
  if (v === 0) {
    if (f.raise(ZE)) return;
    f.set(r, Number.NEGATIVE_INFINITY);
    f.top = above;
    f.set(above, v);
    return;
  }
  if (v - v !== 0) {
    f.set(r, Number.POSITIVE_INFINITY);
    f.top = above;
    f.set(above, v);
    return;
  }
  const e = exponentOf(v);
  f.set(r, e);
  f.top = above;
  f.set(above, scale(v, -e));
}

/**
 * FPREM (nearest = false: truncating quotient) and FPREM1 (IEEE remainder).
 * Exponent difference < 64: the exact remainder, Q2 Q1 Q0 in C0 C3 C1,
 * C2 = 0. Otherwise a partial reduction by ST(1)·2^(D−N) with C2 = 1.
 */
export function fprem(f: Fpu, nearest: boolean): void {
  const a = f.top;
  const b = f.phys(1);
  if (f.empty[a] || f.empty[b]) {
    f.sw &= ~CC;
    emptyTop(f, a);
    return;
  }
  if ((f.cls[a] | f.cls[b]) !== 0) {
    const pre = operands(f, a, b, a);
    if (pre !== Pre.GO) {
      if (pre === Pre.DONE) f.sw &= ~CC;
      return;
    }
  }
  const x = f.st[a];
  const y = f.st[b];
  const rawA = (f.cls[a] & RAW) !== 0;
  const rawB = (f.cls[b] & RAW) !== 0;
  if ((!rawA && x - x !== 0) || (!rawB && y === 0)) {
    if (invalid(f, a)) f.sw &= ~CC;
    return;
  }
  if ((!rawA && x === 0) || (!rawB && y - y !== 0)) {
    f.sw &= ~CC; // ST(0) unchanged, quotient 0
    return;
  }
  if (rawA || rawB) {
    const q = exactRemainder(f, a, b, nearest);
    if (q < 0) f.sw |= C2;
    else f.sw = (f.sw & ~CC) | (q & 4 ? C0 : 0) | (q & 2 ? C3 : 0) | (q & 1 ? C1 : 0);
    return;
  }
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const d = exponentOf(x) - exponentOf(y);
  if (d >= 64) {
    const n = 32 + (d % 32);
    const r = ax % scale(ay, d - n);
    f.sw = (f.sw & ~C2) | C2;
    f.set(a, x < 0 ? -r : r);
    return;
  }
  let r = ax % ay; // exact
  let q = d < 0 ? 0 : Math.round(((ax % (8 * ay)) - r) / ay) & 7;
  if (nearest && (2 * r > ay || (2 * r === ay && q & 1))) {
    r -= ay; // exact (Sterbenz)
    q = (q + 1) & 7;
  }
  f.sw = (f.sw & ~CC) | (q & 4 ? C0 : 0) | (q & 2 ? C3 : 0) | (q & 1 ? C1 : 0);
  f.set(a, x < 0 ? -r : r);
}

/** FCHS / FABS: sign operations, exact on every encoding, no exceptions but #IS. */
export function fsign(f: Fpu, abs: boolean): void {
  const r = f.top;
  if (f.empty[r]) {
    emptyTop(f, r);
    return;
  }
  f.sw &= ~C1;
  if (abs) {
    f.st[r] = Math.abs(f.st[r]);
    f.rawSe[r] &= 0x7fff;
  } else {
    f.st[r] = -f.st[r];
    f.rawSe[r] ^= 0x8000;
  }
}
