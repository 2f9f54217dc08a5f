/**
 * Group 3 (F6/F7: TEST, NOT, NEG, MUL, IMUL, DIV, IDIV) and the two- and
 * three-operand IMUL forms (0F AF, 69, 6B). SDM vol. 2: "MUL", "IMUL",
 * "DIV", "IDIV", "NEG", "NOT", "TEST".
 *
 * 32-bit products and quotients need 64 bits. We stay in doubles: the low
 * half of a product is Math.imul, the high half comes from the double
 * product when that is below 2^53 and from 16-bit partial products
 * otherwise; 64/32 division is two 48/32 steps. No BigInt anywhere.
 *
 * Flags: MUL/IMUL define only CF = OF (the high half is significant). For
 * the undefined SF, ZF, PF QEMU takes the low half of the result, and it
 * clears AF; we do the same. DIV/IDIV leave every flag as it was (all are
 * undefined; QEMU does not touch them) and raise #DE before changing
 * anything.
 */
import { type Cpu, EAX, EDX } from "../cpu.js";
import { CpuFault, Vec } from "../fault.js";
import { AF, CF, lazyLogic, lazySub, OF, setResultFlags } from "../flags.js";
import type { Insn } from "../insn.js";
import { ea, mask, readE, sext } from "../operands.js";
import { define, type HandlerTable } from "./table.js";

const TWO32 = 4294967296;
const TWO53 = 9007199254740992;
const OVERFLOW = CF | OF;
const MUL_FLAGS = CF | OF | AF;

/** High 32 bits of the unsigned 64-bit product of two unsigned 32-bit values. */
export function mulHiU32(a: number, b: number): number {
  const p = a * b;
  if (p < TWO53) return (p / TWO32) >>> 0;
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const p1 = ah * bl;
  const p2 = al * bh;
  const carry = ((al * bl) >>> 16) + (p1 & 0xffff) + (p2 & 0xffff);
  return (ah * bh + (p1 >>> 16) + (p2 >>> 16) + Math.floor(carry / 65536)) >>> 0;
}

/** High 32 bits (as a signed int32) of the signed 64-bit product of two 32-bit values given unsigned. */
export function mulHiS32(a: number, b: number): number {
  const p = (a | 0) * (b | 0);
  if (p < TWO53 && p > -TWO53) return Math.floor(p / TWO32) | 0;
  // Unsigned high half, corrected for each negative factor (mod 2^32).
  return (mulHiU32(a >>> 0, b >>> 0) - (a & 0x80000000 ? b >>> 0 : 0) - (b & 0x80000000 ? a >>> 0 : 0)) | 0;
}

/** Remainder of the last `udiv64` (a module slot, so the division allocates nothing). */
let remainder = 0;

/**
 * Unsigned (hi:lo) / d for hi < d (so the quotient fits 32 bits), by two
 * 48-bit by 32-bit steps that doubles compute exactly. Sets `remainder`.
 */
export function udiv64(hi: number, lo: number, d: number): number {
  if (hi === 0) {
    const q = Math.floor(lo / d);
    remainder = lo - q * d;
    return q;
  }
  const n1 = hi * 65536 + (lo >>> 16);
  const q1 = Math.floor(n1 / d);
  const n2 = (n1 - q1 * d) * 65536 + (lo & 0xffff);
  const q2 = Math.floor(n2 / d);
  remainder = n2 - q2 * d;
  return q1 * 65536 + q2;
}

function de(): CpuFault {
  return new CpuFault(Vec.DE);
}

/** MUL: AX = AL * src, DX:AX = AX * src, EDX:EAX = EAX * src. */
function mul(cpu: Cpu, src: number, size: number): void {
  if (size === 1) {
    const r = cpu.regs8[0] * src;
    cpu.regs16[0] = r;
    setResultFlags(cpu, r & 0xff, 1, MUL_FLAGS, r > 0xff ? OVERFLOW : 0);
  } else if (size === 2) {
    const r = cpu.regs16[0] * src;
    cpu.regs16[0] = r;
    cpu.regs16[EDX << 1] = r >>> 16;
    setResultFlags(cpu, r & 0xffff, 2, MUL_FLAGS, r > 0xffff ? OVERFLOW : 0);
  } else {
    const a = cpu.regs[EAX] >>> 0;
    const lo = Math.imul(a, src) >>> 0;
    const hi = mulHiU32(a, src);
    cpu.regs[EAX] = lo;
    cpu.regs[EDX] = hi;
    setResultFlags(cpu, lo, 4, MUL_FLAGS, hi !== 0 ? OVERFLOW : 0);
  }
}

/** One-operand IMUL: signed, CF = OF = the high half is not the sign extension of the low half. */
function imul1(cpu: Cpu, src: number, size: number): void {
  if (size === 1) {
    const r = ((cpu.regs8[0] << 24) >> 24) * ((src << 24) >> 24);
    cpu.regs16[0] = r;
    setResultFlags(cpu, r & 0xff, 1, MUL_FLAGS, (r << 24) >> 24 !== r ? OVERFLOW : 0);
  } else if (size === 2) {
    const r = ((cpu.regs16[0] << 16) >> 16) * ((src << 16) >> 16);
    cpu.regs16[0] = r;
    cpu.regs16[EDX << 1] = r >> 16;
    setResultFlags(cpu, r & 0xffff, 2, MUL_FLAGS, (r << 16) >> 16 !== r ? OVERFLOW : 0);
  } else {
    const a = cpu.regs[EAX];
    const lo = Math.imul(a, src);
    const hi = mulHiS32(a, src);
    cpu.regs[EAX] = lo;
    cpu.regs[EDX] = hi;
    setResultFlags(cpu, lo >>> 0, 4, MUL_FLAGS, hi !== lo >> 31 ? OVERFLOW : 0);
  }
}

/**
 * Two- and three-operand IMUL (size 2 or 4): the truncated signed product
 * of `a` and `b` (unsigned, masked). CF = OF = the truncation lost bits.
 */
export function imulTrunc(cpu: Cpu, a: number, b: number, size: number): number {
  if (size === 2) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    const r = p & 0xffff;
    setResultFlags(cpu, r, 2, MUL_FLAGS, (p << 16) >> 16 !== p ? OVERFLOW : 0);
    return r;
  }
  // The double product is exact whenever the true product fits in 32 bits,
  // and rounding cannot bring an out-of-range product back into range.
  const p = (a | 0) * (b | 0);
  const r = Math.imul(a, b) >>> 0;
  setResultFlags(cpu, r, 4, MUL_FLAGS, p >= 2147483648 || p < -2147483648 ? OVERFLOW : 0);
  return r;
}

/** DIV: unsigned, quotient and remainder into AL/AH, AX/DX, EAX/EDX. */
function div(cpu: Cpu, src: number, size: number): void {
  if (src === 0) throw de();
  if (size === 1) {
    const n = cpu.regs16[0];
    const q = Math.floor(n / src);
    if (q > 0xff) throw de();
    cpu.regs16[0] = ((n - q * src) << 8) | q;
  } else if (size === 2) {
    const n = ((cpu.regs16[EDX << 1] << 16) | cpu.regs16[0]) >>> 0;
    const q = Math.floor(n / src);
    if (q > 0xffff) throw de();
    cpu.regs16[0] = q;
    cpu.regs16[EDX << 1] = n - q * src;
  } else {
    const hi = cpu.regs[EDX] >>> 0;
    if (hi >= src) throw de(); // the quotient would not fit in 32 bits
    const q = udiv64(hi, cpu.regs[EAX] >>> 0, src);
    cpu.regs[EAX] = q;
    cpu.regs[EDX] = remainder;
  }
}

/**
 * IDIV: signed, quotient truncated toward zero, remainder with the sign of
 * the dividend. A quotient outside the destination's range (including
 * most-negative / -1) is #DE.
 */
function idiv(cpu: Cpu, src: number, size: number): void {
  if (src === 0) throw de();
  if (size === 1) {
    const n = (cpu.regs16[0] << 16) >> 16;
    const d = (src << 24) >> 24;
    const q = Math.trunc(n / d);
    if (q > 0x7f || q < -0x80) throw de();
    cpu.regs8[0] = q;
    cpu.regs8[1] = n - q * d; // AH
  } else if (size === 2) {
    const n = (cpu.regs16[EDX << 1] << 16) | cpu.regs16[0];
    const d = (src << 16) >> 16;
    const q = Math.trunc(n / d);
    if (q > 0x7fff || q < -0x8000) throw de();
    cpu.regs16[0] = q;
    cpu.regs16[EDX << 1] = n - q * d;
  } else {
    const d = src | 0;
    const hi = cpu.regs[EDX];
    const lo = cpu.regs[EAX];
    if (hi === lo >> 31) {
      // The dividend fits in 32 bits: only -2^31 / -1 overflows.
      const q = Math.trunc(lo / d);
      if (q > 0x7fffffff) throw de();
      cpu.regs[EAX] = q;
      cpu.regs[EDX] = lo - q * d;
      return;
    }
    // Divide magnitudes, then apply the signs.
    const negN = hi < 0;
    const mlo = negN ? -lo >>> 0 : lo >>> 0;
    const mhi = negN ? (lo === 0 ? -hi : ~hi) >>> 0 : hi;
    const md = Math.abs(d);
    if (mhi >= md) throw de();
    const q = udiv64(mhi, mlo, md);
    const negQ = negN !== d < 0;
    if (q > (negQ ? 0x80000000 : 0x7fffffff)) throw de();
    cpu.regs[EAX] = negQ ? -q : q;
    cpu.regs[EDX] = negN ? -remainder : remainder;
  }
}

/** NOT (neg = false, no flags) or NEG (flags of 0 - v) on the r/m operand. */
function notNeg(cpu: Cpu, i: Insn, size: number, neg: boolean): void {
  let off = 0;
  let v: number;
  if (i.mod === 3) v = cpu.getReg(i.rm, size);
  else {
    off = ea(cpu, i);
    cpu.probeWrite(i.seg, off, size);
    v = cpu.read(i.seg, off, size);
  }
  const r = mask(neg ? -v : ~v, size);
  if (i.mod === 3) cpu.setReg(i.rm, size, r);
  else cpu.write(i.seg, off, size, r);
  if (neg) lazySub(cpu, 0, v, r, size);
}

function group3(cpu: Cpu, i: Insn, size: number): void {
  switch (i.reg) {
    case 0:
    case 1: // /1 is an undocumented alias of TEST
      lazyLogic(cpu, mask(readE(cpu, i, size) & i.imm, size), size);
      return;
    case 2:
      notNeg(cpu, i, size, false);
      return;
    case 3:
      notNeg(cpu, i, size, true);
      return;
    case 4:
      mul(cpu, readE(cpu, i, size), size);
      return;
    case 5:
      imul1(cpu, readE(cpu, i, size), size);
      return;
    case 6:
      div(cpu, readE(cpu, i, size), size);
      return;
    default:
      idiv(cpu, readE(cpu, i, size), size);
      return;
  }
}

export function installMulDiv(t: HandlerTable): void {
  define(t, 0xf6, (cpu, i) => group3(cpu, i, 1));
  define(t, 0xf7, (cpu, i) => group3(cpu, i, i.opsize));

  // IMUL Gv,Ev,Iz / Gv,Ev,Ib (sign-extended) / Gv,Ev.
  define(t, 0x69, (cpu, i) => {
    const s = i.opsize;
    cpu.setReg(i.reg, s, imulTrunc(cpu, readE(cpu, i, s), i.imm, s));
  });
  define(t, 0x6b, (cpu, i) => {
    const s = i.opsize;
    cpu.setReg(i.reg, s, imulTrunc(cpu, readE(cpu, i, s), mask(sext(i.imm, 1), s), s));
  });
  define(t, 0x1af, (cpu, i) => {
    const s = i.opsize;
    cpu.setReg(i.reg, s, imulTrunc(cpu, cpu.getReg(i.reg, s), readE(cpu, i, s), s));
  });
}
