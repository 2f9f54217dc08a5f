/**
 * Descriptor-table instructions (SDM vol. 2): group 6 (0F 00: SLDT, STR,
 * LLDT, LTR, VERR, VERW), group 7 (0F 01: SGDT, SIDT, LGDT, LIDT, SMSW,
 * LMSW, INVLPG), LAR, LSL and ARPL.
 */
import { type Cpu, LDTR, TR } from "../cpu.js";
import { writeCr0 } from "../ctrlregs.js";
import { CpuFault, Vec } from "../fault.js";
import { setFlags, ZF } from "../flags.js";
import type { Insn } from "../insn.js";
import { ea, readE } from "../operands.js";
import {
  type Descriptor,
  descDpl,
  descIsCode,
  descIsCodeData,
  descLimit,
  descPresent,
  descriptorAddress,
  descType,
  loadCache,
  readDescriptor,
  readSys32,
  writeSys8,
} from "../segments.js";
import { define, type HandlerTable } from "./table.js";

const gp = (code = 0): CpuFault => new CpuFault(Vec.GP, code);
const ud = (): CpuFault => new CpuFault(Vec.UD);

/** Group 6, LAR, LSL and ARPL do not exist outside protected mode. */
function requireProtected(cpu: Cpu): void {
  if (cpu.realMode || cpu.v86Mode) throw ud();
}

function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0) throw gp();
}

/** SLDT/STR/SMSW destination: a register takes the operand size (zero-extended), memory always 16 bits. */
function storeSelector(cpu: Cpu, i: Insn, v: number): void {
  if (i.mod === 3) cpu.setReg(i.rm, i.opsize, v);
  else cpu.write16(i.seg, ea(cpu, i), v);
}

/**
 * The descriptor `sel` names, for the instructions that test a selector
 * without faulting on it (VERR, VERW, LAR, LSL): null for a null selector
 * or one beyond its table.
 */
function peekDescriptor(cpu: Cpu, sel: number): Descriptor | null {
  if ((sel & 0xfffc) === 0) return null;
  const addr = descriptorAddress(cpu, sel);
  if (addr < 0) return null;
  return { lo: readSys32(cpu, addr), hi: readSys32(cpu, addr + 4) };
}

/** May the current privilege see this descriptor? (Conforming code always; else DPL >= CPL and >= RPL.) */
function visible(cpu: Cpu, d: Descriptor, sel: number): boolean {
  if ((d.hi & 0x1c00) === 0x1c00) return true; // conforming code
  const dpl = descDpl(d);
  return dpl >= cpu.cpl && dpl >= (sel & 3);
}

/** VERR (write = false) / VERW: ZF = 1 when the segment is readable / writable from here. Presence is not checked. */
function verify(cpu: Cpu, sel: number, write: boolean): boolean {
  const d = peekDescriptor(cpu, sel);
  if (!d || !descIsCodeData(d) || !visible(cpu, d, sel)) return false;
  if (descIsCode(d)) return !write && (d.hi & 0x200) !== 0;
  return !write || (d.hi & 0x200) !== 0;
}

/** System descriptor types LAR reports: TSSs (available, busy), LDT, call and task gates. */
const LAR_TYPES = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 9) | (1 << 11) | (1 << 12);
/** LSL: only the types that have a limit (TSSs and LDT). */
const LSL_TYPES = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 9) | (1 << 11);

/** LAR/LSL: the descriptor if the selector is valid and visible for the instruction, else null. */
function accessible(cpu: Cpu, sel: number, types: number): Descriptor | null {
  const d = peekDescriptor(cpu, sel);
  if (!d) return null;
  if (!descIsCodeData(d) && !((types >>> descType(d)) & 1)) return null;
  return visible(cpu, d, sel) ? d : null;
}

function lldt(cpu: Cpu, sel: number): void {
  if ((sel & 0xfffc) === 0) {
    cpu.setSegCache(LDTR, sel, 0, 0, 0);
    return;
  }
  const err = sel & 0xfffc;
  if (sel & 4) throw gp(err);
  const d = readDescriptor(cpu, sel);
  if (descType(d) !== 2) throw gp(err);
  if (!descPresent(d)) throw new CpuFault(Vec.NP, err);
  loadCache(cpu, LDTR, sel, d);
}

/** LTR: an available TSS in the GDT, which becomes busy. */
function ltr(cpu: Cpu, sel: number): void {
  const err = sel & 0xfffc;
  if (err === 0) throw gp(0);
  if (sel & 4) throw gp(err);
  const d = readDescriptor(cpu, sel);
  const type = descType(d);
  if (type !== 1 && type !== 9) throw gp(err);
  if (!descPresent(d)) throw new CpuFault(Vec.NP, err);
  d.hi |= 0x200;
  writeSys8(cpu, descriptorAddress(cpu, sel) + 5, d.hi >>> 8);
  loadCache(cpu, TR, sel, d);
}

function group6(cpu: Cpu, i: Insn): void {
  requireProtected(cpu);
  switch (i.reg) {
    case 0:
      storeSelector(cpu, i, cpu.segSel[LDTR]);
      return;
    case 1:
      storeSelector(cpu, i, cpu.segSel[TR]);
      return;
    case 2:
      requireCpl0(cpu);
      lldt(cpu, readE(cpu, i, 2));
      return;
    case 3:
      requireCpl0(cpu);
      ltr(cpu, readE(cpu, i, 2));
      return;
    case 4:
    case 5: {
      const ok = verify(cpu, readE(cpu, i, 2), i.reg === 5);
      setFlags(cpu, ZF, ok ? ZF : 0);
      return;
    }
    default:
      throw ud();
  }
}

/**
 * Group 7. SGDT/SIDT store the limit and all 32 bits of the base whatever
 * the operand size, as QEMU does (the SDM's compatibility note has a
 * 16-bit SGDT store 24 bits and a zero byte). LGDT/LIDT with a 16-bit
 * operand size take a 24-bit base. Only SMSW and LMSW have register forms.
 */
function group7(cpu: Cpu, i: Insn): void {
  const reg = i.reg;
  if (i.mod === 3 && reg !== 4 && reg !== 6) throw ud();
  switch (reg) {
    case 0:
    case 1: {
      const off = ea(cpu, i);
      cpu.probeWrite(i.seg, off, 6);
      cpu.write16(i.seg, off, reg === 0 ? cpu.gdtLimit : cpu.idtLimit);
      cpu.write32(i.seg, off + 2, reg === 0 ? cpu.gdtBase : cpu.idtBase);
      return;
    }
    case 2:
    case 3: {
      requireCpl0(cpu);
      const off = ea(cpu, i);
      const limit = cpu.read16(i.seg, off);
      let base = cpu.read32(i.seg, off + 2);
      if (i.opsize === 2) base &= 0xffffff;
      if (reg === 2) {
        cpu.gdtLimit = limit;
        cpu.gdtBase = base >>> 0;
      } else {
        cpu.idtLimit = limit;
        cpu.idtBase = base >>> 0;
      }
      return;
    }
    case 4:
      // SMSW: a register destination with a 32-bit operand gets all of CR0.
      storeSelector(cpu, i, i.mod === 3 ? cpu.cr0 : cpu.cr0 & 0xffff);
      return;
    case 6: {
      // LMSW loads PE, MP, EM, TS; it can set PE but never clear it.
      requireCpl0(cpu);
      const v = readE(cpu, i, 2);
      writeCr0(cpu, (cpu.cr0 & ~0xe) | (v & 0xf));
      return;
    }
    case 7:
      requireCpl0(cpu);
      cpu.walker.invalidate((cpu.segBase[i.seg] + ea(cpu, i)) >>> 0);
      return;
    default:
      throw ud();
  }
}

export function installSystemTables(t: HandlerTable): void {
  define(t, 0x100, group6);
  define(t, 0x101, group7);

  // LAR / LSL: ZF says whether the selector was usable; the destination
  // changes only when it was.
  define(t, 0x102, (cpu, i) => {
    requireProtected(cpu);
    const d = accessible(cpu, readE(cpu, i, 2), LAR_TYPES);
    if (d) cpu.setReg(i.reg, i.opsize, d.hi & (i.opsize === 4 ? 0x00f0ff00 : 0xff00));
    setFlags(cpu, ZF, d ? ZF : 0);
  });
  define(t, 0x103, (cpu, i) => {
    requireProtected(cpu);
    const d = accessible(cpu, readE(cpu, i, 2), LSL_TYPES);
    if (d) cpu.setReg(i.reg, i.opsize, descLimit(d));
    setFlags(cpu, ZF, d ? ZF : 0);
  });

  // ARPL Ew, Gw: raise the destination selector's RPL to the source's.
  define(t, 0x63, (cpu, i) => {
    requireProtected(cpu);
    const src = cpu.getReg(i.reg, 2) & 3;
    let off = 0;
    let dst: number;
    if (i.mod === 3) dst = cpu.getReg(i.rm, 2);
    else {
      off = ea(cpu, i);
      cpu.probeWrite(i.seg, off, 2);
      dst = cpu.read16(i.seg, off);
    }
    const raise = (dst & 3) < src;
    const v = raise ? (dst & ~3) | src : dst;
    if (i.mod === 3) cpu.setReg(i.rm, 2, v);
    else cpu.write16(i.seg, off, v);
    setFlags(cpu, ZF, raise ? ZF : 0);
  });
}
