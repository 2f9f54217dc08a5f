/**
 * The x87 data formats (SDM vol. 1, 4.2 and 8.2) to and from the register
 * representation of fpu.ts: real4/real8/real10 bit patterns, 16/32/64-bit
 * integers and 18-digit packed BCD.
 *
 * Values a double holds exactly are converted with plain arithmetic. The
 * exact paths (a 64-bit significand that a double cannot hold) use BigInt;
 * they are taken only for such values, so the common path allocates nothing.
 *
 * Conversions that round report what happened in `cvt.flags` (PE, C1 for
 * "rounded up in magnitude", OE, UE), for the caller to merge into the
 * status word. Assumes a little-endian host (typed-array views of doubles).
 */
import { C1, DENORM, type Fpu, NAN, OE, PE, RAW, Rc, UE, UNSUP } from "./fpu.js";

const F64 = new Float64Array(1);
const W64 = new Uint32Array(F64.buffer); // [low word, high word]
const F32 = new Float32Array(1);
const W32 = new Uint32Array(F32.buffer);

/** Flags of the last rounding conversion (status-word bits). */
export const cvt = { flags: 0 };

/** Output of `toRaw`: the 80-bit image of a slot. */
export const raw = { se: 0, hi: 0, lo: 0 };

// 2^k for k = -1074..1023 (exact doubles), indexed by k + 1074.
const POW2 = new Float64Array(1074 + 1024);
for (let k = -1074; k <= 1023; k++) POW2[k + 1074] = 2 ** k;

/** 2^k as a double (0 below 2^-1074, Infinity above 2^1023). */
export function pow2(k: number): number {
  if (k < -1074) return 0;
  if (k > 1023) return Number.POSITIVE_INFINITY;
  return POW2[k + 1074];
}

/**
 * x · 2^k rounded once to nearest (exact whenever representable): the
 * significand is scaled in one multiplication, so a subnormal result is
 * not rounded twice.
 */
export function scale(x: number, k: number): number {
  if (x === 0 || x - x !== 0) return x;
  const e = exponentOf(x);
  const m = e < -1000 ? x * 2 ** 64 * pow2(-e - 64) : x * pow2(-e); // in [1, 2)
  const t = e + k;
  if (t > 1023) return m * Number.POSITIVE_INFINITY;
  if (t >= -1022) return m * POW2[t + 1074];
  if (t < -1200) return m * 0;
  return m * POW2[t + 200 + 1074] * POW2[-200 + 1074];
}

/** The unbiased binary exponent of a finite nonzero double (subnormals normalised). */
export function exponentOf(v: number): number {
  F64[0] = v;
  const e = (W64[1] >>> 20) & 0x7ff;
  if (e !== 0) return e - 1023;
  F64[0] = v * 2 ** 64;
  return ((W64[1] >>> 20) & 0x7ff) - 1023 - 64;
}

/** The largest finite double, or single as a double. */
const MAX64 = Number.MAX_VALUE;
const MAX32 = 3.4028234663852886e38;

/**
 * Round the 80-bit value (sign, biased exponent, significand hi:lo) to
 * `p` significant bits with exponent range [emin, emax] (53/-1022/1023 for
 * real8, 24/-126/127 for real4) by `rc`. Returns the rounded value as a
 * double and sets `cvt.flags`. Finite values only; BigInt (rare path).
 */
export function roundRaw(neg: number, exp: number, hi: number, lo: number, p: number, emin: number, emax: number, rc: Rc): number {
  cvt.flags = 0;
  const m = (BigInt(hi) << 32n) | BigInt(lo);
  if (m === 0n) return neg ? -0 : 0;
  const e0 = (exp === 0 ? 1 : exp) - 16383 - 63; // value = m · 2^e0
  const len = m.toString(2).length;
  const x = e0 + len - 1; // exponent of the leading bit
  if (x > emax) return overflow(neg, p === 24 ? MAX32 : MAX64, rc);
  const keep = x < emin ? p - (emin - x) : p;
  const drop = len - keep;
  if (drop <= 0) {
    const v = Number(m) * pow2(1 - len) * pow2(x); // significand in [1, 2), then the exponent: exact
    return neg ? -v : v;
  }
  const d = BigInt(drop);
  const kept = m >> d;
  const rem = m & ((1n << d) - 1n);
  const half = 1n << (d - 1n);
  if (rem === 0n) {
    const v = Number(kept) * pow2(x - keep + 1);
    return neg ? -v : v;
  }
  let up: boolean;
  if (rc === Rc.NEAREST) up = rem > half || (rem === half && (kept & 1n) === 1n);
  else if (rc === Rc.CHOP) up = false;
  else up = (rc === Rc.UP) !== (neg === 1);
  const k = up ? kept + 1n : kept;
  cvt.flags = PE | (up ? C1 : 0);
  if (x < emin) cvt.flags |= UE;
  if (keep === p && k === 1n << BigInt(p) && x + 1 > emax) return overflow(neg, p === 24 ? MAX32 : MAX64, rc);
  const v = Number(k) * pow2(x - keep + 1);
  return neg ? -v : v;
}

/** Masked overflow response by rounding mode (SDM vol. 1, 4.9.1.4). */
function overflow(neg: number, max: number, rc: Rc): number {
  const toInf = rc === Rc.NEAREST || (rc === Rc.UP && !neg) || (rc === Rc.DOWN && neg === 1);
  cvt.flags = OE | PE | (toInf ? C1 : 0);
  const v = toInf ? Number.POSITIVE_INFINITY : max;
  return neg ? -v : v;
}

/** The 80-bit image of slot `r` into `raw` (from the double when the slot is not RAW). */
export function toRaw(f: Fpu, r: number): void {
  if (f.cls[r] & RAW) {
    raw.se = f.rawSe[r];
    raw.hi = f.rawHi[r];
    raw.lo = f.rawLo[r];
    return;
  }
  doubleToRaw(f.st[r]);
}

/** The 80-bit image of a (non-NaN) double into `raw`. */
export function doubleToRaw(v: number): void {
  F64[0] = v;
  const whi = W64[1];
  const wlo = W64[0];
  const sign = (whi >>> 16) & 0x8000;
  const e = (whi >>> 20) & 0x7ff;
  if (e === 0x7ff) {
    // Infinity (callers never pass NaN; make it the indefinite if they do).
    const nan = (whi & 0xfffff) !== 0 || wlo !== 0;
    raw.se = nan ? 0xffff : sign | 0x7fff;
    raw.hi = nan ? 0xc0000000 : 0x80000000;
    raw.lo = 0;
    return;
  }
  if (e === 0) {
    if ((whi & 0xfffff) === 0 && wlo === 0) {
      raw.se = sign;
      raw.hi = raw.lo = 0;
      return;
    }
    // A double subnormal is a normal 80-bit number: normalise.
    doubleToRaw(v * 2 ** 64);
    raw.se -= 64;
    return;
  }
  raw.se = sign | (e - 1023 + 16383);
  raw.hi = (0x80000000 | ((whi & 0xfffff) << 11) | (wlo >>> 21)) >>> 0;
  raw.lo = (wlo << 11) >>> 0;
}

/**
 * Load the 80-bit value (se, hi:lo) into slot `r`, classifying it. No
 * exception is raised (FLD m80 is a non-arithmetic load).
 */
export function fromRaw(f: Fpu, r: number, se: number, hi: number, lo: number): void {
  const e = se & 0x7fff;
  const neg = se >> 15;
  hi >>>= 0;
  lo >>>= 0;
  if (e === 0x7fff) {
    if (!(hi & 0x80000000)) f.setRaw(r, se, hi, lo, RAW | UNSUP, Number.NaN);
    else if ((hi & 0x7fffffff) === 0 && lo === 0) f.set(r, neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
    else f.setRaw(r, se, hi, lo, RAW | NAN, Number.NaN);
    return;
  }
  if (e === 0) {
    if (hi === 0 && lo === 0) f.set(r, neg ? -0 : 0);
    else f.setRaw(r, se, hi, lo, RAW | DENORM, neg ? -0 : 0);
    return;
  }
  if (!(hi & 0x80000000)) {
    f.setRaw(r, se, hi, lo, RAW | UNSUP, Number.NaN);
    return;
  }
  const x = e - 16383;
  if (x >= -1022 && x <= 1023 && (lo & 0x7ff) === 0) {
    // 53 significant bits in the double range: exact.
    const v = (hi * 4294967296 + lo) * 2 ** -63 * pow2(x);
    f.set(r, neg ? -v : v);
    return;
  }
  const v = roundRaw(neg, e, hi, lo, 53, -1022, 1023, Rc.NEAREST);
  if (cvt.flags === 0) f.set(r, v);
  else f.setRaw(r, se, hi, lo, RAW, v);
}

// --- real4 / real8 ---------------------------------------------------------

/**
 * Load the real8 (hi:lo words) into slot `r`. NaNs keep their payload in
 * the raw image (an SNaN stays signalling: the consumer decides), a
 * denormal source is marked DENORM when `markDenormal`.
 */
export function fromReal8(f: Fpu, r: number, hi: number, lo: number, markDenormal: boolean): void {
  const e = (hi >>> 20) & 0x7ff;
  if (e === 0x7ff && ((hi & 0xfffff) !== 0 || lo !== 0)) {
    const sig = (0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21)) >>> 0;
    f.setRaw(r, ((hi >>> 16) & 0x8000) | 0x7fff, sig, (lo << 11) >>> 0, RAW | NAN, Number.NaN);
    return;
  }
  W64[1] = hi;
  W64[0] = lo;
  f.set(r, F64[0]);
  if (markDenormal && e === 0 && ((hi & 0xfffff) !== 0 || lo !== 0)) f.cls[r] = DENORM;
}

/** Load the real4 `bits` into slot `r` (see fromReal8). */
export function fromReal4(f: Fpu, r: number, bits: number, markDenormal: boolean): void {
  const e = (bits >>> 23) & 0xff;
  if (e === 0xff && (bits & 0x7fffff) !== 0) {
    f.setRaw(r, ((bits >>> 16) & 0x8000) | 0x7fff, (0x80000000 | ((bits & 0x7fffff) << 8)) >>> 0, 0, RAW | NAN, Number.NaN);
    return;
  }
  W32[0] = bits;
  f.set(r, F32[0]);
  if (markDenormal && e === 0 && (bits & 0x7fffff) !== 0) f.cls[r] = DENORM;
}

/** Bits of a double: returns the high word, the low word in `lastLo`. */
export let lastLo = 0;
export function real8Bits(v: number): number {
  F64[0] = v;
  lastLo = W64[0];
  return W64[1];
}

/**
 * Slot `r` (finite or infinite, not NaN/unsupported) rounded to real8 by
 * `rc`: the high word is returned, the low word is in `lastLo`, flags in
 * `cvt.flags`.
 */
export function toReal8(f: Fpu, r: number, rc: Rc): number {
  cvt.flags = 0;
  if (!(f.cls[r] & RAW)) return real8Bits(f.st[r]);
  const se = f.rawSe[r];
  return real8Bits(roundRaw(se >> 15, se & 0x7fff, f.rawHi[r], f.rawLo[r], 53, -1022, 1023, rc));
}

/** Slot `r` (finite or infinite) rounded to real4 by `rc`; flags in `cvt.flags`. */
export function toReal4(f: Fpu, r: number, rc: Rc): number {
  cvt.flags = 0;
  let v: number;
  if (f.cls[r] & RAW) {
    const se = f.rawSe[r];
    v = roundRaw(se >> 15, se & 0x7fff, f.rawHi[r], f.rawLo[r], 24, -126, 127, rc);
  } else {
    const d = f.st[r];
    const n = Math.fround(d);
    if (n === d || Number.isNaN(d)) v = d;
    else if (rc === Rc.NEAREST && n - n === 0 && Math.abs(d) >= 2 ** -126) {
      v = n;
      cvt.flags = PE | (Math.abs(n) > Math.abs(d) ? C1 : 0);
    } else {
      // Directed rounding, overflow or underflow: the exact path.
      doubleToRaw(d);
      v = roundRaw(raw.se >> 15, raw.se & 0x7fff, raw.hi, raw.lo, 24, -126, 127, rc);
    }
  }
  F32[0] = v;
  return W32[0];
}

/** The real8 image of a NaN slot, quietened (hi word returned, low word in `lastLo`). */
export function nanToReal8(f: Fpu, r: number): number {
  const hi = f.rawHi[r];
  const lo = f.rawLo[r];
  lastLo = ((hi << 21) | (lo >>> 11)) >>> 0;
  return (((f.rawSe[r] & 0x8000) << 16) | 0x7ff80000 | ((hi >>> 11) & 0x7ffff)) >>> 0;
}

/** The real4 image of a NaN slot, quietened. */
export function nanToReal4(f: Fpu, r: number): number {
  return (((f.rawSe[r] & 0x8000) << 16) | 0x7fc00000 | ((f.rawHi[r] >>> 8) & 0x3fffff)) >>> 0;
}

// --- integers ----------------------------------------------------------------

/** Round a double to an integer by `rc` (keeps the sign of zero, like FRNDINT). */
export function roundDouble(v: number, rc: Rc): number {
  let r: number;
  switch (rc) {
    case Rc.NEAREST: {
      if (!(Math.abs(v) < 4503599627370496)) return v; // |v| ≥ 2^52 (or inf): already an integer
      r = Math.floor(v);
      const d = v - r;
      if (d > 0.5 || (d === 0.5 && r % 2 !== 0)) r += 1;
      break;
    }
    case Rc.DOWN:
      r = Math.floor(v);
      break;
    case Rc.UP:
      r = Math.ceil(v);
      break;
    default:
      r = Math.trunc(v);
      break;
  }
  if (r === 0) return v < 0 || Object.is(v, -0) ? -0 : 0;
  return r;
}

/**
 * Round the RAW slot `r` (finite, not NaN) to an integer by `rc`: returns
 * it as a BigInt, sets `cvt.flags` (PE, C1).
 */
export function rawToBigInt(f: Fpu, r: number, rc: Rc): bigint {
  cvt.flags = 0;
  const se = f.rawSe[r];
  const neg = se >> 15;
  const e = se & 0x7fff;
  const m = (BigInt(f.rawHi[r]) << 32n) | BigInt(f.rawLo[r]);
  const sh = (e === 0 ? 1 : e) - 16383 - 63;
  let n: bigint;
  if (sh >= 0) n = m << BigInt(sh);
  else if (sh < -66) {
    n = 0n;
    if (m !== 0n) n = roundBits(0n, 1n, 2n, neg, rc); // far below one half
  } else {
    const d = BigInt(-sh);
    const kept = m >> d;
    const rem = m & ((1n << d) - 1n);
    n = roundBits(kept, rem, 1n << (d - 1n), neg, rc);
  }
  return neg ? -n : n;
}

/** Round the magnitude kept + rem/2^d (half = 2^(d-1)) by rc; sets cvt.flags. */
function roundBits(kept: bigint, rem: bigint, half: bigint, neg: number, rc: Rc): bigint {
  if (rem === 0n) return kept;
  let up: boolean;
  if (rc === Rc.NEAREST) up = rem > half || (rem === half && (kept & 1n) === 1n);
  else if (rc === Rc.CHOP) up = false;
  else up = (rc === Rc.UP) !== (neg === 1);
  cvt.flags = PE | (up ? C1 : 0);
  return up ? kept + 1n : kept;
}

/**
 * Slot `r` := the signed 64-bit integer hi:lo (FILD m64). Exact: when the
 * magnitude needs more than 53 bits the raw image holds it.
 */
export function fromInt64(f: Fpu, r: number, hi: number, lo: number): void {
  hi |= 0;
  lo >>>= 0;
  if (hi >= -0x200000 && hi < 0x200000) {
    f.set(r, hi * 4294967296 + lo); // |value| < 2^53
    return;
  }
  const neg = hi < 0 ? 1 : 0;
  let mh = hi >>> 0;
  let ml = lo;
  if (neg) {
    ml = (~ml + 1) >>> 0;
    mh = (~mh + (ml === 0 ? 1 : 0)) >>> 0;
  }
  fromMagnitude(f, r, neg, mh, ml);
}

/** Slot `r` := ±(mh:ml) (a nonzero 64-bit magnitude with mh ≠ 0), exactly. */
export function fromMagnitude(f: Fpu, r: number, neg: number, mh: number, ml: number): void {
  const approx = mh * 4294967296 + ml; // one rounding: nearest double
  const z = Math.clz32(mh);
  // Normalise so the integer bit is set.
  const hi = z === 0 ? mh : ((mh << z) | (ml >>> (32 - z))) >>> 0;
  const lo = (ml << z) >>> 0;
  const se = (neg << 15) | (16383 + 63 - z);
  if ((lo & 0x7ff) === 0) f.set(r, neg ? -approx : approx);
  else f.setRaw(r, se, hi, lo, RAW, neg ? -approx : approx);
}

/** Slot `r` := the BigInt `n` (|n| < 2^64), exactly. */
export function fromBigInt(f: Fpu, r: number, n: bigint): void {
  const neg = n < 0n ? 1 : 0;
  const m = neg ? -n : n;
  const mh = Number(m >> 32n);
  const ml = Number(m & 0xffffffffn);
  if (mh === 0) f.set(r, neg ? -ml : ml);
  else fromMagnitude(f, r, neg, mh, ml);
}
