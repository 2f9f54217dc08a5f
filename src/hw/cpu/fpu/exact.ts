/**
 * Exact x87 arithmetic for operands a double cannot hold (RAW registers:
 * 64-bit significands from FILD m64, FLD m80, the constants, FBLD).
 *
 * The double fast path of arith.ts would first round such an operand to
 * 53 bits and then round the result again. Here the operation is carried
 * out exactly on BigInt significands and the result rounded once, to the
 * precision PC selects (24, 53 or 64 bits) within the 80-bit exponent
 * range, by RC — what the hardware computes. So FILD m64 + FADD + FSTP m64
 * (the i386 uint64 → double idiom) or arithmetic on FLDPI round exactly
 * as on a real FPU. Slow (BigInt), but only RAW operands come here.
 */
import { doubleToRaw, fromRaw, raw } from "./float80.js";
import { C1, type Fpu, OE, PC_SHIFT, PE, RAW, RC_SHIFT, Rc, UE } from "./fpu.js";

const EMIN = -16382; // exponent of the smallest normal 80-bit number

/** A finite value (−1)^neg · m · 2^e. */
interface Exact {
  neg: number;
  m: bigint;
  e: number;
}

function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/** Slot `r` (finite) as an exact value. */
function exactOf(f: Fpu, r: number): Exact {
  let se: number;
  let hi: number;
  let lo: number;
  if (f.cls[r] & RAW) {
    se = f.rawSe[r];
    hi = f.rawHi[r];
    lo = f.rawLo[r];
  } else {
    doubleToRaw(f.st[r]);
    se = raw.se;
    hi = raw.hi;
    lo = raw.lo;
  }
  const exp = se & 0x7fff;
  return { neg: se >> 15, m: (BigInt(hi) << 32n) | BigInt(lo), e: (exp === 0 ? 1 : exp) - 16383 - 63 };
}

/** Precision in bits selected by the control word's PC field (reserved 01 = 64). */
function precision(f: Fpu): number {
  const pc = (f.control >> PC_SHIFT) & 3;
  return pc === 0 ? 24 : pc === 2 ? 53 : 64;
}

/**
 * Round (−1)^neg · (m + δ) · 2^e, 0 ≤ δ < 1 and δ > 0 iff `sticky`, to the
 * PC precision by RC within the 80-bit exponent range; store it in `dst`
 * and raise PE/UE/OE with C1. `m` must carry at least p + 2 bits when
 * `sticky` is set.
 */
function deliver(f: Fpu, dst: number, neg: number, m: bigint, e: number, sticky: boolean): void {
  const rc: Rc = (f.control >> RC_SHIFT) & 3;
  f.sw &= ~C1;
  if (m === 0n) {
    fromRaw(f, dst, neg << 15, 0, 0);
    return;
  }
  const p = precision(f);
  const len = bitLength(m);
  const x = e + len - 1;
  const keep = x < EMIN ? p - (EMIN - x) : p;
  const drop = len - keep;
  let k = m;
  let lsb = e;
  let inexact = sticky;
  let up = false;
  if (drop > 0) {
    const d = BigInt(drop);
    const rem = m & ((1n << d) - 1n);
    const half = 1n << (d - 1n);
    k = m >> d;
    lsb = e + drop;
    inexact = rem !== 0n || sticky;
    if (inexact) {
      if (rc === Rc.NEAREST) up = rem > half || (rem === half && (sticky || (k & 1n) === 1n));
      else up = (rc === Rc.UP && !neg) || (rc === Rc.DOWN && neg === 1);
    }
    if (up) k += 1n;
  }
  const top = lsb + bitLength(k) - 1;
  let flags = inexact ? PE : 0;
  if (up) f.sw |= C1;
  if (inexact && x < EMIN) flags |= UE;
  let se: number;
  let sig: bigint;
  if (top + 16383 >= 0x7fff) {
    // Overflow: ∞ or the largest p-bit number, by RC.
    const toInf = rc === Rc.NEAREST || (rc === Rc.UP && !neg) || (rc === Rc.DOWN && neg === 1);
    f.sw = toInf ? f.sw | C1 : f.sw & ~C1;
    flags |= OE | PE;
    se = toInf ? 0x7fff : 0x7ffe;
    sig = toInf ? 1n << 63n : ((1n << BigInt(p)) - 1n) << BigInt(64 - p);
  } else if (top >= EMIN) {
    se = top + 16383;
    sig = k << BigInt(64 - bitLength(k));
  } else {
    se = 0; // denormal: value = sig · 2^(EMIN − 63)
    sig = k << BigInt(lsb - EMIN + 63);
  }
  fromRaw(f, dst, (neg << 15) | se, Number(sig >> 32n), Number(sig & 0xffffffffn));
  if (flags) f.raise(flags);
}

/** dst := a + b (sub: a − b), a · b or a / b, exactly rounded; a and b finite, b ≠ 0 for division. */
export function exactArith(f: Fpu, op: "add" | "sub" | "mul" | "div", a: number, b: number, dst: number): void {
  const x = exactOf(f, a);
  const y = exactOf(f, b);
  if (op === "sub") y.neg ^= 1;
  if (op === "mul") {
    deliver(f, dst, x.neg ^ y.neg, x.m * y.m, x.e + y.e, false);
    return;
  }
  if (op === "div") {
    if (x.m === 0n) {
      deliver(f, dst, x.neg ^ y.neg, 0n, 0, false);
      return;
    }
    const shift = Math.max(0, 66 + bitLength(y.m) - bitLength(x.m));
    const n = x.m << BigInt(shift);
    const q = n / y.m;
    deliver(f, dst, x.neg ^ y.neg, q, x.e - y.e - shift, q * y.m !== n);
    return;
  }
  // Addition on a common exponent.
  const e = Math.min(x.e, y.e);
  const sa = (x.m << BigInt(x.e - e)) * (x.neg ? -1n : 1n);
  const sb = (y.m << BigInt(y.e - e)) * (y.neg ? -1n : 1n);
  const s = sa + sb;
  if (s === 0n) {
    // Exact zero: −0 only for (−0) + (−0), or any x + (−x) when rounding down.
    const neg = x.m === 0n && y.m === 0n ? x.neg & y.neg : ((f.control >> RC_SHIFT) & 3) === Rc.DOWN ? 1 : 0;
    deliver(f, dst, neg, 0n, 0, false);
    return;
  }
  deliver(f, dst, s < 0n ? 1 : 0, s < 0n ? -s : s, e, false);
}

/** ST(r) := √ST(r) exactly rounded (ST(r) finite, ≥ 0). */
export function exactSqrt(f: Fpu, r: number): void {
  const x = exactOf(f, r);
  if (x.m === 0n) {
    deliver(f, r, x.neg, 0n, 0, false);
    return;
  }
  let m = x.m;
  let e = x.e;
  if (e & 1) {
    m <<= 1n;
    e--;
  }
  const shift = Math.max(0, 132 - bitLength(m)) & ~1;
  m <<= BigInt(shift);
  e -= shift;
  // Integer square root by Newton's iteration from above.
  let s = 1n << BigInt((bitLength(m) >> 1) + 1);
  for (;;) {
    const t = (s + m / s) >> 1n;
    if (t >= s) break;
    s = t;
  }
  deliver(f, r, 0, s, e / 2, s * s !== m);
}

/** ST(r) := ST(r) · 2^n exactly rounded (ST(r) finite). */
export function exactScale(f: Fpu, r: number, n: number): void {
  const x = exactOf(f, r);
  deliver(f, r, x.neg, x.m, x.e + n, false);
}

/**
 * FPREM/FPREM1 on exact values (a, b finite, b ≠ 0): returns the quotient's
 * low three bits, or −1 for a partial reduction (exponent difference ≥ 64).
 */
export function exactRemainder(f: Fpu, a: number, b: number, nearest: boolean): number {
  const x = exactOf(f, a);
  const y = exactOf(f, b);
  if (x.m === 0n) return 0;
  const d = x.e + bitLength(x.m) - (y.e + bitLength(y.m));
  let ye = y.e;
  let partial = false;
  if (d >= 64) {
    ye += d - (32 + (d % 32)); // reduce by ST(1) · 2^(D − N), as the hardware does
    partial = true;
  }
  const e = Math.min(x.e, ye);
  const A = x.m << BigInt(x.e - e);
  const B = y.m << BigInt(ye - e);
  let q = A / B;
  let r = A - q * B;
  let neg = x.neg;
  if (nearest && !partial && (2n * r > B || (2n * r === B && (q & 1n) === 1n))) {
    r = B - r;
    q += 1n;
    neg ^= 1;
  }
  deliver(f, a, r === 0n ? x.neg : neg, r, e, false);
  return partial ? -1 : Number(q & 7n);
}
