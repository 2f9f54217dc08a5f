/**
 * Transcendental instructions (SDM vol. 2: FSIN, FCOS, FSINCOS, FPTAN,
 * FPATAN, F2XM1, FYL2X, FYL2XP1), computed with JavaScript's Math
 * functions on doubles (about 1 ulp of a double; the 80-bit FPU is more
 * precise, and reduces large arguments with its 66-bit π where Math uses
 * an exact reduction). Results set PE unless they are exact; C1 stays 0.
 *
 * FSIN, FCOS, FSINCOS and FPTAN leave ST(0) unchanged and set C2 when
 * |ST(0)| ≥ 2^63 (the argument is out of range, the program must reduce
 * it with FPREM first).
 */
import { invalid, operands, Pre } from "./arith.js";
import { C1, C2, type Fpu, PE, RAW, ZE } from "./fpu.js";
import { mulError } from "./rounding.js";

/** |ST(0)| ≥ 2^63, judged on the exact image for RAW values. */
function outOfRange(f: Fpu, r: number): boolean {
  if (f.cls[r] & RAW) return (f.rawSe[r] & 0x7fff) >= 16383 + 63;
  return Math.abs(f.st[r]) >= 2 ** 63;
}

/**
 * The common prologue of the one-operand trigonometric instructions.
 * Returns the argument, or NaN when the instruction is already finished.
 */
function trigArgument(f: Fpu, pushes: boolean): number {
  const r = f.top;
  const above = (r - 1) & 7;
  f.sw &= ~C2;
  if (f.empty[r] || (pushes && !f.empty[above])) {
    if (f.empty[r] ? f.underflow() : f.overflow()) return Number.NaN;
    f.setIndefinite(r);
    if (pushes) {
      f.top = above;
      f.setIndefinite(above);
    }
    return Number.NaN;
  }
  if (f.cls[r] !== 0) {
    const pre = operands(f, r, r, r);
    if (pre === Pre.ABORT) return Number.NaN;
    if (pre === Pre.DONE) {
      if (pushes) {
        f.top = above;
        f.copy(above, r);
      }
      return Number.NaN;
    }
  }
  if (outOfRange(f, r)) {
    if (f.st[r] - f.st[r] !== 0) {
      // ±∞ is invalid, not out of range.
      if (invalid(f, r) && pushes) {
        f.top = above;
        f.setIndefinite(above);
      }
      return Number.NaN;
    }
    f.sw |= C2;
    return Number.NaN;
  }
  f.sw &= ~C1;
  return f.st[r];
}

/** Deliver an inexact transcendental result (PE unless the argument was an exact case). */
function result(f: Fpu, r: number, v: number, exact: boolean): void {
  if (!exact) f.raise(PE);
  f.set(r, v);
}

export function fsin(f: Fpu): void {
  const x = trigArgument(f, false);
  if (Number.isNaN(x)) return;
  result(f, f.top, Math.sin(x), x === 0);
}

export function fcos(f: Fpu): void {
  const x = trigArgument(f, false);
  if (Number.isNaN(x)) return;
  result(f, f.top, Math.cos(x), x === 0);
}

/** FSINCOS: ST(1) := sin, ST(0) := cos. */
export function fsincos(f: Fpu): void {
  const x = trigArgument(f, true);
  if (Number.isNaN(x)) return;
  const r = f.top;
  result(f, r, Math.sin(x), x === 0);
  f.top = (r - 1) & 7;
  f.set(f.top, Math.cos(x));
}

/** FPTAN: ST(1) := tan, ST(0) := 1.0. */
export function fptan(f: Fpu): void {
  const x = trigArgument(f, true);
  if (Number.isNaN(x)) return;
  const r = f.top;
  result(f, r, Math.tan(x), x === 0);
  f.top = (r - 1) & 7;
  f.set(f.top, 1);
}

/**
 * The two-operand instructions that replace ST(1) and pop: x = ST(0),
 * y = ST(1). Returns false when the instruction is already finished.
 */
function pairArgument(f: Fpu): boolean {
  const a = f.top;
  const b = f.phys(1);
  if (f.empty[a] || f.empty[b]) {
    if (f.underflow()) return false;
    f.setIndefinite(b);
    f.pop();
    return false;
  }
  if ((f.cls[a] | f.cls[b]) !== 0) {
    const pre = operands(f, a, b, b);
    if (pre === Pre.ABORT) return false;
    if (pre === Pre.DONE) {
      f.pop();
      return false;
    }
  }
  f.sw &= ~C1;
  return true;
}

/** Store `v` to ST(1) and pop, or the indefinite for a NaN (invalid operation). */
function pairResult(f: Fpu, v: number, exact: boolean): void {
  const b = f.phys(1);
  if (Number.isNaN(v)) {
    if (invalid(f, b)) f.pop();
    return;
  }
  result(f, b, v, exact);
  f.pop();
}

/** FPATAN: ST(1) := arctan(ST(1)/ST(0)) with the quadrant of atan2, pop. */
export function fpatan(f: Fpu): void {
  if (!pairArgument(f)) return;
  const v = Math.atan2(f.st[f.phys(1)], f.st[f.top]);
  pairResult(f, v, v === 0);
}

/** F2XM1: ST(0) := 2^ST(0) − 1 (defined for −1 ≤ ST(0) ≤ 1). */
export function f2xm1(f: Fpu): void {
  const r = f.top;
  if (f.empty[r]) {
    if (!f.underflow()) f.setIndefinite(r);
    return;
  }
  if (f.cls[r] !== 0 && operands(f, r, r, r) !== Pre.GO) return;
  f.sw &= ~C1;
  const x = f.st[r];
  if (x === 0 || x === Number.POSITIVE_INFINITY) return; // ±0 and +∞ are exact
  if (x === Number.NEGATIVE_INFINITY) {
    f.set(r, -1);
    return;
  }
  // 2^x − 1 = expm1(x·ln 2) near 0; pow(2, x) − 1 is exact subtraction (Sterbenz) beyond.
  const v = Math.abs(x) < 0.5 ? Math.expm1(x * Math.LN2) : 2 ** x - 1;
  result(f, r, v, Number.isInteger(x) && Math.abs(x) < 64);
}

/** FYL2X: ST(1) := ST(1) · log2(ST(0)), pop. */
export function fyl2x(f: Fpu): void {
  if (!pairArgument(f)) return;
  const x = f.st[f.top];
  const y = f.st[f.phys(1)];
  if (x < 0) {
    pairResult(f, Number.NaN, false);
    return;
  }
  if (x === 0 && y - y === 0 && y !== 0) {
    // Finite nonzero · log2(0): division by zero.
    if (f.raise(ZE)) return;
    f.set(f.phys(1), y > 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
    f.pop();
    return;
  }
  const l = Math.log2(x);
  const v = y * l;
  const exact = Number.isInteger(l) && (v === 0 || v - v !== 0 || mulError(y, l, v) === 0);
  pairResult(f, v, exact);
}

/** FYL2XP1: ST(1) := ST(1) · log2(ST(0) + 1), pop (for |ST(0)| < 1 − √2/2). */
export function fyl2xp1(f: Fpu): void {
  if (!pairArgument(f)) return;
  const x = f.st[f.top];
  const y = f.st[f.phys(1)];
  const v = y * (Math.log1p(x) * Math.LOG2E);
  pairResult(f, v, x === 0);
}
