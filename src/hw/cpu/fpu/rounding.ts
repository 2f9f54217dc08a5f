/**
 * Rounding of arithmetic results by the control word (SDM vol. 1, 4.8.4 and
 * 8.1.5.2/8.1.5.3), and the result exceptions #P, #U, #O with C1.
 *
 * Each operation computes its double result `s` rounded to nearest, plus
 * the sign of its rounding error (true − s), found exactly without FMA:
 * TwoSum for addition, Dekker's product for multiplication, division and
 * square root. From `s` and that sign `finish` derives the result for any
 * RC (moving one ulp when the directed mode asks for it), PE, and C1 (set
 * when the result was rounded up in magnitude). PC = 24 bits re-rounds the
 * significand; PC = 53 and 64 bits both give the double's 53 (see fpu.ts).
 */
import { exponentOf, scale } from "./float80.js";
import { C1, type Fpu, OE, PC_SHIFT, PE, RC_SHIFT, Rc, UE } from "./fpu.js";

const F64 = new Float64Array(1);
const W64 = new Uint32Array(F64.buffer);
const SPLIT = 134217729; // 2^27 + 1
const TINY = 2 ** -1022;

/** The next double above `v` (toward +∞). */
export function nextUp(v: number): number {
  if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY) return v;
  if (v === 0) return Number.MIN_VALUE;
  F64[0] = v;
  if (v > 0) {
    if (W64[0] === 0xffffffff) {
      W64[0] = 0;
      W64[1]++;
    } else W64[0]++;
  } else if (W64[0] === 0) {
    W64[0] = 0xffffffff;
    W64[1]--;
  } else W64[0]--;
  return F64[0];
}

/** The next double below `v`. */
export function nextDown(v: number): number {
  return -nextUp(-v);
}

function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

/** Sign of (a + b) − s, where s = a + b rounded (finite). Knuth's TwoSum. */
export function addError(a: number, b: number, s: number): number {
  const bb = s - a;
  return sign(a - (s - bb) + (b - bb));
}

/** Sign of x·y − p exactly (Dekker), valid when nothing over- or underflows. */
function productError(x: number, y: number, p: number): number {
  let c = SPLIT * x;
  const xh = c - (c - x);
  const xl = x - xh;
  c = SPLIT * y;
  const yh = c - (c - y);
  const yl = y - yh;
  return xh * yh - p + xh * yl + xl * yh + xl * yl;
}

/** Safe for Dekker: the split does not overflow and the error term stays normal. */
function safe(x: number): boolean {
  const a = Math.abs(x);
  return a < 2 ** 995 && a > 2 ** -480;
}

/** Sign of a·b − p, where p = a·b rounded (a, b finite nonzero, p finite). */
export function mulError(a: number, b: number, p: number): number {
  if (safe(a) && safe(b) && safe(p)) return sign(productError(a, b, p));
  // Scale both operands to [1, 2) and compare against the scaled result.
  const ea = exponentOf(a);
  const eb = exponentOf(b);
  const as = scale(a, -ea);
  const bs = scale(b, -eb);
  const ps = as * bs;
  const e = productError(as, bs, ps);
  const sp = scale(scale(p, -ea), -eb); // exact: p is finite
  return ps !== sp ? sign(ps - sp) : sign(e);
}

/** Sign of a/b − q, where q = a/b rounded (a, b finite nonzero, q finite). */
export function divError(a: number, b: number, q: number): number {
  if (q === 0) return sign(a) * sign(b);
  let as = a;
  let bs = b;
  let qs = q;
  if (!(safe(a) && safe(b) && safe(q))) {
    const ea = exponentOf(a);
    const eb = exponentOf(b);
    as = scale(a, -ea);
    bs = scale(b, -eb);
    qs = scale(scale(q, eb), -ea);
  }
  // a − q·b = (a − p) − e with q·b = p + e; a − p is exact (Sterbenz).
  const p = qs * bs;
  const e = productError(qs, bs, p);
  return sign(as - p - e) * sign(b);
}

/** Sign of √a − s, where s = √a rounded (a finite positive). */
export function sqrtError(a: number, s: number): number {
  let as = a;
  let ss = s;
  if (!(safe(a) && safe(s))) {
    const k = exponentOf(a) >> 1;
    as = scale(scale(a, -k), -k);
    ss = scale(s, -k);
  }
  const p = ss * ss;
  const e = productError(ss, ss, p);
  return sign(as - p - e);
}

/**
 * Deliver the result of an operation on finite operands: `s` is the exact
 * result rounded to the nearest double (±∞ when that overflowed), `err` the
 * sign of (exact − s). Applies RC and PC, sets PE/C1/UE/OE (C1 is cleared
 * first), and returns the value to store. Raising flags may set ES; the
 * result is still delivered (post-computation exceptions, SDM vol. 1, 8.7).
 */
export function finish(f: Fpu, s: number, err: number): number {
  const cw = f.control;
  const rc: Rc = (cw >> RC_SHIFT) & 3;
  f.sw &= ~C1;
  if (s - s !== 0) {
    // Overflow from finite operands.
    const neg = s < 0;
    const toInf = rc === Rc.NEAREST || (rc === Rc.UP && !neg) || (rc === Rc.DOWN && neg);
    if (toInf) f.sw |= C1;
    f.raise(OE | PE);
    return toInf ? s : neg ? -Number.MAX_VALUE : Number.MAX_VALUE;
  }
  let r = s;
  if (err !== 0 && rc !== Rc.NEAREST) {
    if (rc === Rc.UP) {
      if (err > 0) r = nextUp(s);
    } else if (rc === Rc.DOWN) {
      if (err < 0) r = nextDown(s);
    } else if (s > 0 ? err < 0 : s < 0 ? err > 0 : false) r = s > 0 ? nextDown(s) : nextUp(s);
  }
  // Direction of r relative to the exact value: +1 above, −1 below.
  let dir = r === s ? -err : err;
  if (((cw >> PC_SHIFT) & 3) === 0 && r - r === 0) {
    r = round24(r, -dir, rc);
    if (r !== s) dir = r > s ? 1 : -1;
  }
  if (dir === 0) return r;
  if ((dir > 0 && r > 0) || (dir < 0 && r < 0)) f.sw |= C1;
  let flags = PE;
  if (Math.abs(r) < TINY || Math.abs(s) < TINY) flags |= UE;
  if (r - r !== 0) flags |= OE;
  f.raise(flags);
  return r;
}

/**
 * Round the double `v` (exact value v + dir·ε) to a 24-bit significand by
 * `rc`, keeping the double's exponent range (precision control, not a
 * conversion to real4).
 */
function round24(v: number, dir: number, rc: Rc): number {
  if (v === 0) return v;
  F64[0] = v;
  const lo = W64[0];
  const rem = lo & 0x1fffffff; // the 29 low significand bits a 24-bit result drops
  if (rem === 0 && dir === 0) return v;
  const neg = v < 0;
  // Magnitude direction of the exact value relative to v: +1 larger.
  const mdir = neg ? -dir : dir;
  const half = 0x10000000;
  let up: boolean;
  let base = lo - rem; // truncated significand (low word)
  let baseHi = W64[1];
  if (rem === 0 && mdir < 0) {
    // Exact value sits just below a 24-bit boundary: truncation is one step lower.
    const away = (rc === Rc.UP && !neg) || (rc === Rc.DOWN && neg);
    if (rc === Rc.NEAREST || away) return v;
    // One 24-bit step toward zero (half a step below a power of two).
    const e = exponentOf(v);
    const step = (W64[1] & 0xfffff) === 0 && lo === 0 ? 2 ** (e - 24) : 2 ** (e - 23);
    return neg ? v + step : v - step;
  }
  if (rc === Rc.NEAREST) up = rem > half || (rem === half && (mdir > 0 || (mdir === 0 && (lo & 0x20000000) !== 0)));
  else if (rc === Rc.CHOP) up = false;
  else up = (rc === Rc.UP) !== neg;
  if (up) {
    base = base + 0x20000000;
    if (base > 0xffffffff) {
      base -= 0x100000000;
      baseHi++;
    }
  }
  W64[0] = base >>> 0;
  W64[1] = baseHi;
  return F64[0];
}
