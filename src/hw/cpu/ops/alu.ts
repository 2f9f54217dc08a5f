/**
 * The eight ALU operations (add, or, adc, sbb, and, sub, xor, cmp) in all
 * their encodings, inc/dec, test, not and neg (SDM vol. 2).
 */
import type { Cpu } from "../cpu.js";
import { getCF, lazyAdd, lazyIncDec, lazyLogic, lazySub } from "../flags.js";
import type { Insn } from "../insn.js";
import { ea, mask, readE, sext } from "../operands.js";
import { define, type HandlerTable } from "./table.js";

export const enum AluOp {
  ADD = 0,
  OR = 1,
  ADC = 2,
  SBB = 3,
  AND = 4,
  SUB = 5,
  XOR = 6,
  CMP = 7,
}

/** Compute `dst op src` on `size` bytes, set the flags, return the result (CMP returns dst). */
export function alu(cpu: Cpu, op: number, dst: number, src: number, size: number): number {
  if (size === 4) return alu32(cpu, op, dst, src) >>> 0;
  let r: number;
  switch (op) {
    case AluOp.ADD:
      r = mask(dst + src, size);
      lazyAdd(cpu, dst, src, r, size);
      return r;
    case AluOp.OR:
      r = mask(dst | src, size);
      lazyLogic(cpu, r, size);
      return r;
    case AluOp.ADC: {
      const c = getCF(cpu) ? 1 : 0;
      r = mask(dst + src + c, size);
      lazyAdd(cpu, dst, src, r, size, c);
      return r;
    }
    case AluOp.SBB: {
      const c = getCF(cpu) ? 1 : 0;
      r = mask(dst - src - c, size);
      lazySub(cpu, dst, src, r, size, c);
      return r;
    }
    case AluOp.AND:
      r = mask(dst & src, size);
      lazyLogic(cpu, r, size);
      return r;
    case AluOp.SUB:
      r = mask(dst - src, size);
      lazySub(cpu, dst, src, r, size);
      return r;
    case AluOp.XOR:
      r = mask(dst ^ src, size);
      lazyLogic(cpu, r, size);
      return r;
    default:
      lazySub(cpu, dst, src, mask(dst - src, size), size);
      return dst;
  }
}

/**
 * `alu` on 32 bits, the result as int32 (the operands either way: the same
 * 32 bits). The flags record the operands unsigned, as everywhere. The
 * threaded tier calls it with registers as they are in `regs`: a kernel's
 * values above 2^31 as unsigned numbers would be doubles, boxed by V8 at
 * every call it does not inline.
 */
export function alu32(cpu: Cpu, op: number, dst: number, src: number): number {
  const d = dst >>> 0;
  const s = src >>> 0;
  let r: number;
  switch (op) {
    case AluOp.ADD:
      r = (d + s) | 0;
      lazyAdd(cpu, d, s, r >>> 0, 4);
      return r;
    case AluOp.OR:
      r = d | s;
      lazyLogic(cpu, r >>> 0, 4);
      return r;
    case AluOp.ADC: {
      const c = getCF(cpu) ? 1 : 0;
      r = (d + s + c) | 0;
      lazyAdd(cpu, d, s, r >>> 0, 4, c);
      return r;
    }
    case AluOp.SBB: {
      const c = getCF(cpu) ? 1 : 0;
      r = (d - s - c) | 0;
      lazySub(cpu, d, s, r >>> 0, 4, c);
      return r;
    }
    case AluOp.AND:
      r = d & s;
      lazyLogic(cpu, r >>> 0, 4);
      return r;
    case AluOp.SUB:
      r = (d - s) | 0;
      lazySub(cpu, d, s, r >>> 0, 4);
      return r;
    case AluOp.XOR:
      r = d ^ s;
      lazyLogic(cpu, r >>> 0, 4);
      return r;
    default:
      lazySub(cpu, d, s, (d - s) >>> 0, 4);
      return d | 0;
  }
}

/** `op E,src`: the ALU operation on the r/m operand (CMP only reads it). */
function aluRM(cpu: Cpu, i: Insn, op: number, size: number, src: number): void {
  if (i.mod === 3) {
    const r = alu(cpu, op, cpu.getReg(i.rm, size), src, size);
    if (op !== AluOp.CMP) cpu.setReg(i.rm, size, r);
    return;
  }
  const off = ea(cpu, i);
  if (op === AluOp.CMP) {
    alu(cpu, op, cpu.read(i.seg, off, size), src, size);
    return;
  }
  // Probe the store first so that the flags are never set by a faulting instruction.
  cpu.probeWrite(i.seg, off, size);
  cpu.write(i.seg, off, size, alu(cpu, op, cpu.read(i.seg, off, size), src, size));
}

export function installAlu(t: HandlerTable): void {
  for (let k = 0; k < 8; k++) {
    const b = k * 8;
    // op Eb,Gb / op Ev,Gv
    define(t, b + 0, (cpu, i) => aluRM(cpu, i, k, 1, cpu.getReg(i.reg, 1)));
    define(t, b + 1, (cpu, i) => aluRM(cpu, i, k, i.opsize, cpu.getReg(i.reg, i.opsize)));
    // op Gb,Eb / op Gv,Ev
    define(t, b + 2, (cpu, i) => {
      const r = alu(cpu, k, cpu.getReg(i.reg, 1), readE(cpu, i, 1), 1);
      cpu.setReg(i.reg, 1, r);
    });
    define(t, b + 3, (cpu, i) => {
      const s = i.opsize;
      const src = readE(cpu, i, s);
      const r = alu(cpu, k, cpu.getReg(i.reg, s), src, s);
      cpu.setReg(i.reg, s, r);
    });
    // op AL,Ib / op eAX,Iz
    define(t, b + 4, (cpu, i) => cpu.setReg(0, 1, alu(cpu, k, cpu.getReg(0, 1), i.imm, 1)));
    define(t, b + 5, (cpu, i) => cpu.setReg(0, i.opsize, alu(cpu, k, cpu.getReg(0, i.opsize), i.imm, i.opsize)));
  }

  // Group 1: op Eb,Ib / Ev,Iz / Eb,Ib (82, an alias of 80) / Ev,Ib sign-extended.
  define(t, 0x80, (cpu, i) => aluRM(cpu, i, i.reg, 1, i.imm));
  define(t, 0x81, (cpu, i) => aluRM(cpu, i, i.reg, i.opsize, i.imm));
  define(t, 0x82, (cpu, i) => aluRM(cpu, i, i.reg, 1, i.imm));
  define(t, 0x83, (cpu, i) => aluRM(cpu, i, i.reg, i.opsize, mask(sext(i.imm, 1), i.opsize)));

  // inc/dec r16/r32
  for (let r = 0; r < 8; r++) {
    define(t, 0x40 + r, (cpu, i) => cpu.setReg(r, i.opsize, incDec(cpu, cpu.getReg(r, i.opsize), i.opsize, false)));
    define(t, 0x48 + r, (cpu, i) => cpu.setReg(r, i.opsize, incDec(cpu, cpu.getReg(r, i.opsize), i.opsize, true)));
  }

  // test
  define(t, 0x84, (cpu, i) => lazyLogic(cpu, readE(cpu, i, 1) & cpu.getReg(i.reg, 1), 1));
  define(t, 0x85, (cpu, i) => lazyLogic(cpu, mask(readE(cpu, i, i.opsize) & cpu.getReg(i.reg, i.opsize), i.opsize), i.opsize));
  define(t, 0xa8, (cpu, i) => lazyLogic(cpu, cpu.getReg(0, 1) & i.imm, 1));
  define(t, 0xa9, (cpu, i) => lazyLogic(cpu, mask(cpu.getReg(0, i.opsize) & i.imm, i.opsize), i.opsize));
}

/** inc (dec = false) or dec of `v`; CF unchanged. */
export function incDec(cpu: Cpu, v: number, size: number, dec: boolean): number {
  const r = mask(dec ? v - 1 : v + 1, size);
  lazyIncDec(cpu, v, r, size, dec);
  return r;
}

/**
 * Read-modify-write of the r/m operand. The write is probed before the read,
 * so once `f` has run (and set flags) the store cannot fault: a faulting
 * instruction leaves registers, flags and memory as they were.
 */
export function rmw(cpu: Cpu, i: Insn, size: number, f: (v: number) => number): void {
  if (i.mod === 3) {
    cpu.setReg(i.rm, size, f(cpu.getReg(i.rm, size)));
    return;
  }
  const off = ea(cpu, i);
  cpu.probeWrite(i.seg, off, size);
  const v = cpu.read(i.seg, off, size);
  cpu.write(i.seg, off, size, f(v));
}
