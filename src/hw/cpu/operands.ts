/**
 * Operand access for the semantics: the ModRM r/m operand (register or
 * memory), the effective address, and immediates. Semantics never look at
 * ModRM bits themselves beyond `reg` for group selection.
 */
import type { Cpu } from "./cpu.js";
import type { Insn } from "./insn.js";

/** Effective address (offset in `insn.seg`) of the ModRM memory operand or moffs. */
export function ea(cpu: Cpu, i: Insn): number {
  const regs = cpu.regs;
  if (i.adsize === 4) {
    let a = i.disp;
    if (i.base >= 0) a += regs[i.base];
    if (i.index >= 0) a += regs[i.index] << i.scale;
    return a >>> 0;
  }
  let a = i.disp;
  if (i.base >= 0) a += regs[i.base] & 0xffff;
  if (i.index >= 0) a += regs[i.index] & 0xffff;
  return a & 0xffff;
}

/** Read the r/m operand of `size` bytes. */
export function readE(cpu: Cpu, i: Insn, size: number): number {
  if (i.mod === 3) return cpu.getReg(i.rm, size);
  return cpu.read(i.seg, ea(cpu, i), size);
}

/** Write the r/m operand of `size` bytes. */
export function writeE(cpu: Cpu, i: Insn, size: number, v: number): void {
  if (i.mod === 3) cpu.setReg(i.rm, size, v);
  else cpu.write(i.seg, ea(cpu, i), size, v);
}

/** Read the reg operand of `size` bytes. */
export function readG(cpu: Cpu, i: Insn, size: number): number {
  return cpu.getReg(i.reg, size);
}

export function writeG(cpu: Cpu, i: Insn, size: number, v: number): void {
  cpu.setReg(i.reg, size, v);
}

/** Sign-extend the low `size` bytes of `v` to a 32-bit signed integer. */
export function sext(v: number, size: number): number {
  return size === 1 ? (v << 24) >> 24 : size === 2 ? (v << 16) >> 16 : v | 0;
}

/** Mask `v` to `size` bytes, unsigned. */
export function mask(v: number, size: number): number {
  return size === 4 ? v >>> 0 : size === 2 ? v & 0xffff : v & 0xff;
}

/** The operand size of a byte/word-or-dword opcode pair: even opcode = byte. */
export function sizeOf(i: Insn): number {
  return i.op & 1 ? i.opsize : 1;
}
