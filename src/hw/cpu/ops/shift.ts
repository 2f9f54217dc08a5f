/**
 * Shifts and rotates: group 2 (ROL ROR RCL RCR SHL SHR SAL SAR, opcodes
 * C0 C1 D0–D3) and the double-precision shifts SHLD/SHRD (0F A4/A5/AC/AD).
 * SDM vol. 2: "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD".
 *
 * The count is masked to 5 bits first; a masked count of 0 changes no flag
 * (a memory operand is still read and written back, as QEMU does, so it
 * needs write access). OF is defined only for a count of 1; for larger
 * counts we compute it with the count-1 formula from the last step, which is
 * what QEMU (our conformance oracle) does. AF is undefined for the shifts
 * and QEMU clears it; the rotates leave SF, ZF, AF, PF alone as the manual
 * says.
 */
import type { Cpu } from "../cpu.js";
import { AF, CF, getCF, OF, setFlags, setResultFlags } from "../flags.js";
import type { Insn } from "../insn.js";
import { ea, mask, sext } from "../operands.js";
import { define, type HandlerTable } from "./table.js";

/** Group 2 operation selected by ModRM.reg. */
export const enum ShiftOp {
  ROL = 0,
  ROR = 1,
  RCL = 2,
  RCR = 3,
  SHL = 4,
  SHR = 5,
  SAL = 6, // an alias of SHL
  SAR = 7,
}

/** OF sits at bit 11: turn a 0/1 into the flag bit. */
const OF_SHIFT = 11;

/**
 * Shift or rotate `v` (unsigned, `size` bytes) by `count` (already masked
 * to 5 bits), set the flags, return the result.
 */
export function shift(cpu: Cpu, op: number, v: number, count: number, size: number): number {
  if (count === 0) return v;
  switch (op) {
    case ShiftOp.ROL:
      return rol(cpu, v, count, size);
    case ShiftOp.ROR:
      return ror(cpu, v, count, size);
    case ShiftOp.RCL:
      return rcl(cpu, v, count, size);
    case ShiftOp.RCR:
      return rcr(cpu, v, count, size);
    case ShiftOp.SHR:
      return shr(cpu, v, count, size);
    case ShiftOp.SAR:
      return sar(cpu, v, count, size);
    default:
      return shl(cpu, v, count, size);
  }
}

/** ROL: CF = LSB of the result, OF = MSB xor CF. A count that is a multiple of the size still sets both. */
function rol(cpu: Cpu, v: number, count: number, size: number): number {
  const bits = size << 3;
  const c = count & (bits - 1);
  const r = c === 0 ? v : mask((v << c) | (v >>> (bits - c)), size);
  const cf = r & 1;
  const of = ((r >>> (bits - 1)) ^ cf) & 1;
  setFlags(cpu, CF | OF, cf | (of << OF_SHIFT));
  return r;
}

/** ROR: CF = MSB of the result, OF = xor of its two top bits. */
function ror(cpu: Cpu, v: number, count: number, size: number): number {
  const bits = size << 3;
  const c = count & (bits - 1);
  const r = c === 0 ? v : mask((v >>> c) | (v << (bits - c)), size);
  const cf = (r >>> (bits - 1)) & 1;
  const of = (cf ^ (r >>> (bits - 2))) & 1;
  setFlags(cpu, CF | OF, cf | (of << OF_SHIFT));
  return r;
}

/**
 * RCL: rotate the (size*8+1)-bit quantity CF:v left. For 8 and 16 bits the
 * count is taken modulo 9 or 17; a count that reduces to 0 changes nothing.
 * OF = MSB(v xor result), the count-1 value of MSB(result) xor CF.
 */
function rcl(cpu: Cpu, v: number, count: number, size: number): number {
  const bits = size << 3;
  const c = size === 4 ? count : count % (bits + 1);
  if (c === 0) return v;
  const cin = getCF(cpu) ? 1 : 0;
  let r = (v << c) | (cin << (c - 1));
  if (c > 1) r |= v >>> (bits + 1 - c);
  r = mask(r, size);
  const cf = (v >>> (bits - c)) & 1;
  const of = ((v ^ r) >>> (bits - 1)) & 1;
  setFlags(cpu, CF | OF, cf | (of << OF_SHIFT));
  return r;
}

/** RCR: rotate v:CF right; OF = MSB(v xor result), i.e. MSB(v) xor the old CF for a count of 1. */
function rcr(cpu: Cpu, v: number, count: number, size: number): number {
  const bits = size << 3;
  const c = size === 4 ? count : count % (bits + 1);
  if (c === 0) return v;
  const cin = getCF(cpu) ? 1 : 0;
  let r = (v >>> c) | (cin << (bits - c));
  if (c > 1) r |= v << (bits + 1 - c);
  r = mask(r, size);
  const cf = (v >>> (c - 1)) & 1;
  const of = ((v ^ r) >>> (bits - 1)) & 1;
  setFlags(cpu, CF | OF, cf | (of << OF_SHIFT));
  return r;
}

/*
 * SHL/SHR/SAR: `t` is the operand after count-1 steps, so CF is the bit the
 * last step moves out and OF = MSB(t xor result). For a count of 1 that is
 * the manual's MSB(result) xor CF (SHL), MSB(original) (SHR) and 0 (SAR).
 * Counts past the operand width shift everything out: CF then comes out 0
 * for SHL/SHR and the sign for SAR, as on QEMU.
 */

function shl(cpu: Cpu, v: number, count: number, size: number): number {
  const bits = size << 3;
  const t = v << (count - 1);
  const r = mask(t << 1, size);
  const cf = (t >>> (bits - 1)) & 1;
  const of = ((t ^ r) >>> (bits - 1)) & 1;
  setResultFlags(cpu, r, size, CF | OF | AF, cf | (of << OF_SHIFT));
  return r;
}

function shr(cpu: Cpu, v: number, count: number, size: number): number {
  const bits = size << 3;
  const t = v >>> (count - 1);
  const r = t >>> 1;
  const cf = t & 1;
  const of = ((t ^ r) >>> (bits - 1)) & 1;
  setResultFlags(cpu, r, size, CF | OF | AF, cf | (of << OF_SHIFT));
  return r;
}

function sar(cpu: Cpu, v: number, count: number, size: number): number {
  const t = sext(v, size) >> (count - 1);
  const r = mask(t >> 1, size);
  // OF: t and the result carry the same sign bit, so it is always 0.
  setResultFlags(cpu, r, size, CF | OF | AF, t & 1);
  return r;
}

/**
 * SHLD: shift `a` left by `count` (1..31), filling from the top of `b`.
 * For 16 bits QEMU (and Intel hardware) shift the 48-bit a:b:a, which
 * defines the otherwise undefined result of counts 16..31.
 */
export function shld(cpu: Cpu, a: number, b: number, count: number, size: number): number {
  if (count === 0) return a;
  let r: number;
  let t: number; // the value after count-1 steps
  let msb: number;
  if (size === 4) {
    r = ((a << count) | (b >>> (32 - count))) >>> 0;
    t = (a << (count - 1)) | (count > 1 ? b >>> (33 - count) : 0);
    msb = 31;
  } else {
    // Bits [32-count, 48-count) of the 48-bit a:b:a (exact in a double).
    const wide = a * 4294967296 + (((b << 16) | a) >>> 0);
    r = Math.floor(wide / 2 ** (32 - count)) & 0xffff;
    t = Math.floor(wide / 2 ** (33 - count)) & 0xffff;
    msb = 15;
  }
  const cf = (t >>> msb) & 1;
  const of = ((t ^ r) >>> msb) & 1;
  setResultFlags(cpu, r, size, CF | OF | AF, cf | (of << OF_SHIFT));
  return r;
}

/** SHRD: shift `a` right by `count` (1..31), filling from the bottom of `b`; 16 bits shift a:b:a as SHLD does. */
export function shrd(cpu: Cpu, a: number, b: number, count: number, size: number): number {
  if (count === 0) return a;
  let r: number;
  let t: number;
  let msb: number;
  if (size === 4) {
    r = ((a >>> count) | (b << (32 - count))) >>> 0;
    t = (a >>> (count - 1)) | (count > 1 ? b << (33 - count) : 0);
    msb = 31;
  } else {
    const wide = a * 4294967296 + (((b << 16) | a) >>> 0);
    r = Math.floor(wide / 2 ** count) & 0xffff;
    t = Math.floor(wide / 2 ** (count - 1)) & 0xffff;
    msb = 15;
  }
  const of = ((t ^ r) >>> msb) & 1;
  setResultFlags(cpu, r, size, CF | OF | AF, (t & 1) | (of << OF_SHIFT));
  return r;
}

/** Group 2 on the r/m operand. The write is probed first so nothing changes if it would fault. */
function group2(cpu: Cpu, i: Insn, size: number, count: number): void {
  count &= 31;
  if (i.mod === 3) {
    cpu.setReg(i.rm, size, shift(cpu, i.reg, cpu.getReg(i.rm, size), count, size));
    return;
  }
  const off = ea(cpu, i);
  cpu.probeWrite(i.seg, off, size);
  const v = cpu.read(i.seg, off, size);
  cpu.write(i.seg, off, size, shift(cpu, i.reg, v, count, size));
}

/** SHLD (left) or SHRD on the r/m operand with the fill bits from the reg operand. */
function doubleShift(cpu: Cpu, i: Insn, count: number, left: boolean): void {
  const s = i.opsize;
  const c = count & 31;
  const b = cpu.getReg(i.reg, s);
  if (i.mod === 3) {
    const a = cpu.getReg(i.rm, s);
    cpu.setReg(i.rm, s, left ? shld(cpu, a, b, c, s) : shrd(cpu, a, b, c, s));
    return;
  }
  const off = ea(cpu, i);
  cpu.probeWrite(i.seg, off, s);
  const a = cpu.read(i.seg, off, s);
  cpu.write(i.seg, off, s, left ? shld(cpu, a, b, c, s) : shrd(cpu, a, b, c, s));
}

export function installShift(t: HandlerTable): void {
  define(t, 0xc0, (cpu, i) => group2(cpu, i, 1, i.imm));
  define(t, 0xc1, (cpu, i) => group2(cpu, i, i.opsize, i.imm));
  define(t, 0xd0, (cpu, i) => group2(cpu, i, 1, 1));
  define(t, 0xd1, (cpu, i) => group2(cpu, i, i.opsize, 1));
  define(t, 0xd2, (cpu, i) => group2(cpu, i, 1, cpu.regs8[4])); // CL: byte 0 of ECX
  define(t, 0xd3, (cpu, i) => group2(cpu, i, i.opsize, cpu.regs8[4]));

  define(t, 0x1a4, (cpu, i) => doubleShift(cpu, i, i.imm, true));
  define(t, 0x1a5, (cpu, i) => doubleShift(cpu, i, cpu.regs8[4], true));
  define(t, 0x1ac, (cpu, i) => doubleShift(cpu, i, i.imm, false));
  define(t, 0x1ad, (cpu, i) => doubleShift(cpu, i, cpu.regs8[4], false));
}
