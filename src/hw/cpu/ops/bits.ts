/**
 * Bit instructions: BT, BTS, BTR, BTC (0F A3/AB/B3/BB with the offset in a
 * register, group 8 0F BA with an immediate), BSF/BSR (0F BC/BD) and BSWAP
 * (0F C8+r). SDM vol. 2, "BT", "BTS", "BTR", "BTC", "BSF", "BSR", "BSWAP".
 *
 * Undefined flags follow QEMU as a conformance run sees it: BTx sets CF and
 * leaves every other flag alone; BSF/BSR set ZF from the source and, as a
 * logic result of the source, SF and PF, clearing CF, OF and AF.
 */
import type { Cpu } from "../cpu.js";
import { CpuFault, Vec } from "../fault.js";
import { CF, lazyLogic, setFlags } from "../flags.js";
import type { Insn } from "../insn.js";
import { ea, readE, sext } from "../operands.js";
import { define, type HandlerTable } from "./table.js";

export const enum BitOp {
  BT = 0,
  BTS = 1,
  BTR = 2,
  BTC = 3,
}

/** The operand after BTS/BTR/BTC of bit `bit` (BT returns it unchanged). */
function modify(op: number, v: number, bit: number): number {
  switch (op) {
    case BitOp.BTS:
      return v | (1 << bit);
    case BitOp.BTR:
      return v & ~(1 << bit);
    case BitOp.BTC:
      return v ^ (1 << bit);
    default:
      return v;
  }
}

/** Bit `bit` of register `r`: CF = its value, then BTS/BTR/BTC update it. */
function bitReg(cpu: Cpu, op: number, r: number, size: number, bit: number): void {
  const v = cpu.getReg(r, size);
  if (op !== BitOp.BT) cpu.setReg(r, size, modify(op, v, bit));
  setFlags(cpu, CF, (v >>> bit) & 1);
}

/** Bit `bit` of the `size`-byte operand at seg:off; the store (if any) precedes the flag update. */
function bitMem(cpu: Cpu, op: number, seg: number, off: number, size: number, bit: number): void {
  let v: number;
  if (op === BitOp.BT) v = cpu.read(seg, off, size);
  else {
    cpu.probeWrite(seg, off, size);
    v = cpu.read(seg, off, size);
    cpu.write(seg, off, size, modify(op, v, bit));
  }
  setFlags(cpu, CF, (v >>> bit) & 1);
}

/**
 * BTx Ev,Gv. A register operand takes the offset modulo its width. A memory
 * operand takes it as a signed 16- or 32-bit bit index from the effective
 * address: the accessed word/dword is at ea + 2*(offset >> 4) or
 * ea + 4*(offset >> 5) (arithmetic shifts, so negative offsets go below),
 * wrapped to the address size.
 */
function bitGv(cpu: Cpu, i: Insn, op: number): void {
  const s = i.opsize;
  const offset = cpu.getReg(i.reg, s);
  const width = s << 3;
  if (i.mod === 3) {
    bitReg(cpu, op, i.rm, s, offset & (width - 1));
    return;
  }
  const signed = sext(offset, s);
  const a = ea(cpu, i) + (signed >> (s === 4 ? 5 : 4)) * s;
  bitMem(cpu, op, i.seg, i.adsize === 4 ? a >>> 0 : a & 0xffff, s, signed & (width - 1));
}

/** Group 8 (0F BA): BTx Ev,Ib with the offset modulo the operand width; /0–/3 are undefined. */
function bitIb(cpu: Cpu, i: Insn): void {
  if (i.reg < 4) throw new CpuFault(Vec.UD);
  const s = i.opsize;
  const bit = i.imm & ((s << 3) - 1);
  const op = i.reg - 4;
  if (i.mod === 3) bitReg(cpu, op, i.rm, s, bit);
  else bitMem(cpu, op, i.seg, ea(cpu, i), s, bit);
}

export function installBits(t: HandlerTable): void {
  define(t, 0x1a3, (cpu, i) => bitGv(cpu, i, BitOp.BT));
  define(t, 0x1ab, (cpu, i) => bitGv(cpu, i, BitOp.BTS));
  define(t, 0x1b3, (cpu, i) => bitGv(cpu, i, BitOp.BTR));
  define(t, 0x1bb, (cpu, i) => bitGv(cpu, i, BitOp.BTC));
  define(t, 0x1ba, bitIb);

  // BSF/BSR: a zero source sets ZF and leaves the destination as it was
  // (undefined per the manual; hardware and QEMU keep it).
  define(t, 0x1bc, (cpu, i) => {
    const s = i.opsize;
    const v = readE(cpu, i, s);
    if (v !== 0) cpu.setReg(i.reg, s, 31 - Math.clz32(v & -v));
    lazyLogic(cpu, v, s);
  });
  define(t, 0x1bd, (cpu, i) => {
    const s = i.opsize;
    const v = readE(cpu, i, s);
    if (v !== 0) cpu.setReg(i.reg, s, 31 - Math.clz32(v));
    lazyLogic(cpu, v, s);
  });

  // BSWAP r32. With a 16-bit operand size the result is undefined; see bswap16 below.
  for (let r = 0; r < 8; r++) {
    define(t, 0x1c8 + r, (cpu, i) => {
      const v = cpu.regs[r];
      if (i.opsize === 2) cpu.regs16[r << 1] = 0;
      else cpu.regs[r] = (v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
    });
  }
}
