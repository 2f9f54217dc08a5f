/**
 * Segment descriptors and segment-register loads (SDM vol. 3, ch. 3 and 5).
 *
 * A descriptor is read as two dwords (`lo`, `hi`). Loads go through
 * `loadSegment`, which applies the mode's rules: real and virtual-8086 mode
 * only set the base (real mode keeps the hidden limit and attributes, which
 * is what makes "unreal mode" work), protected mode does every check the
 * manual lists for MOV/POP to a segment register and writes the accessed
 * bit back.
 */
import { ATTR_DATA_RW, ATTR_P, type Cpu, CS, LDTR, SS } from "./cpu.js";
import { CpuFault, Vec } from "./fault.js";

export interface Descriptor {
  lo: number;
  hi: number;
}

export function descBase(d: Descriptor): number {
  return ((d.lo >>> 16) | ((d.hi & 0xff) << 16) | (d.hi & 0xff000000)) >>> 0;
}

/** Byte-granular limit (the G bit applied). */
export function descLimit(d: Descriptor): number {
  const raw = (d.lo & 0xffff) | (d.hi & 0xf0000);
  return d.hi & 0x800000 ? ((raw << 12) | 0xfff) >>> 0 : raw;
}

/** Attributes in the VMCB layout used by `Cpu.segAttr`. */
export function descAttr(d: Descriptor): number {
  return ((d.hi >>> 8) & 0xff) | ((d.hi >>> 12) & 0xf00);
}

export function descDpl(d: Descriptor): number {
  return (d.hi >>> 13) & 3;
}

export function descPresent(d: Descriptor): boolean {
  return (d.hi & 0x8000) !== 0;
}

/** S=1 code or data (not a system descriptor). */
export function descIsCodeData(d: Descriptor): boolean {
  return (d.hi & 0x1000) !== 0;
}

export function descIsCode(d: Descriptor): boolean {
  return (d.hi & 0x1800) === 0x1800;
}

/** System-descriptor type (S=0): 1/3 16-bit TSS, 2 LDT, 4 call gate 16, 5 task gate, 9/B TSS 32, C call gate 32, E/F int/trap 32. */
export function descType(d: Descriptor): number {
  return (d.hi >>> 8) & 0x1f;
}

/** Linear address of the descriptor `sel` names, or -1 if it lies past its table's limit. */
export function descriptorAddress(cpu: Cpu, sel: number): number {
  const index = sel & 0xfff8;
  if (sel & 4) {
    if (!(cpu.segAttr[LDTR] & ATTR_P) || index + 7 > cpu.segLimit[LDTR]) return -1;
    return (cpu.segBase[LDTR] + index) >>> 0;
  }
  if (index + 7 > cpu.gdtLimit) return -1;
  return (cpu.gdtBase + index) >>> 0;
}

/**
 * Read the descriptor for `sel`; a selector past its table's limit raises
 * `vector` (#GP by default) with the selector as error code.
 */
export function readDescriptor(cpu: Cpu, sel: number, vector: number = Vec.GP): Descriptor {
  const addr = descriptorAddress(cpu, sel);
  if (addr < 0) throw new CpuFault(vector, sel & 0xfffc);
  return { lo: readSys32(cpu, addr), hi: readSys32(cpu, addr + 4) };
}

/** Supervisor read of system data (descriptor tables, TSS): user/supervisor check is as CPL 0. */
export function readSys32(cpu: Cpu, lin: number): number {
  lin >>>= 0;
  if (cpu.cr0 & 0x80000000 && (lin & 0xfff) <= 0xffc) return cpu.readPhys32(cpu.walker.translate(lin, false, false));
  if (!(cpu.cr0 & 0x80000000)) return cpu.readPhys32(lin);
  let v = 0;
  for (let i = 3; i >= 0; i--) v = (v << 8) | cpu.readPhys8(cpu.walker.translate((lin + i) >>> 0, false, false));
  return v >>> 0;
}

export function readSys16(cpu: Cpu, lin: number): number {
  lin >>>= 0;
  const phys = cpu.cr0 & 0x80000000 ? cpu.walker.translate(lin, false, false) : lin;
  if ((lin & 0xfff) === 0xfff) return cpu.readPhys8(phys) | (readSys8(cpu, lin + 1) << 8);
  return cpu.readPhys16(phys);
}

export function readSys8(cpu: Cpu, lin: number): number {
  lin >>>= 0;
  return cpu.readPhys8(cpu.cr0 & 0x80000000 ? cpu.walker.translate(lin, false, false) : lin);
}

export function writeSys32(cpu: Cpu, lin: number, v: number): void {
  lin >>>= 0;
  if (!(cpu.cr0 & 0x80000000)) {
    cpu.writePhys32(lin, v);
    return;
  }
  for (let i = 0; i < 4; i++) cpu.writePhys8(cpu.walker.translate((lin + i) >>> 0, true, false), v >>> (8 * i));
}

export function writeSys16(cpu: Cpu, lin: number, v: number): void {
  writeSys8(cpu, lin, v);
  writeSys8(cpu, lin + 1, v >> 8);
}

export function writeSys8(cpu: Cpu, lin: number, v: number): void {
  lin >>>= 0;
  cpu.writePhys8(cpu.cr0 & 0x80000000 ? cpu.walker.translate(lin, true, false) : lin, v);
}

/** Set the accessed bit of the descriptor `sel` names, if it is clear. */
export function markAccessed(cpu: Cpu, sel: number, d: Descriptor): void {
  if (d.hi & 0x100) return;
  d.hi |= 0x100;
  writeSys8(cpu, descriptorAddress(cpu, sel) + 5, d.hi >>> 8);
}

/** Fill segment register `seg`'s cache from a descriptor. */
export function loadCache(cpu: Cpu, seg: number, sel: number, d: Descriptor): void {
  cpu.setSegCache(seg, sel, descBase(d), descLimit(d), descAttr(d));
}

/**
 * MOV/POP/LxS to a data or stack segment register (not CS), in any mode.
 * Throws #GP/#SS/#NP as SDM vol. 2 "MOV—Move" lists. Does nothing to the
 * register before every check has passed.
 */
export function loadSegment(cpu: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  if (cpu.realMode) {
    cpu.setSegCache(seg, sel, sel << 4, cpu.segLimit[seg], cpu.segAttr[seg]);
    return;
  }
  if (cpu.v86Mode) {
    cpu.setSegCache(seg, sel, sel << 4, 0xffff, ATTR_DATA_RW | (3 << 5));
    return;
  }
  const rpl = sel & 3;
  const cpl = cpu.cpl;
  if ((sel & 0xfffc) === 0) {
    if (seg === SS) throw new CpuFault(Vec.GP, 0);
    // A null selector loads an unusable segment; using it faults later.
    cpu.setSegCache(seg, sel, 0, 0, 0);
    return;
  }
  const d = readDescriptor(cpu, sel);
  const err = sel & 0xfffc;
  const dpl = descDpl(d);
  if (!descIsCodeData(d)) throw new CpuFault(Vec.GP, err);
  const code = descIsCode(d);
  const type = (d.hi >>> 8) & 0xf;
  if (seg === SS) {
    const writableData = !code && (type & 2) !== 0;
    if (rpl !== cpl || dpl !== cpl || !writableData) throw new CpuFault(Vec.GP, err);
    if (!descPresent(d)) throw new CpuFault(Vec.SS, err);
  } else {
    if (code && !(type & 2)) throw new CpuFault(Vec.GP, err); // execute-only code
    const conforming = code && (type & 4) !== 0;
    if (!conforming && (rpl > dpl || cpl > dpl)) throw new CpuFault(Vec.GP, err);
    if (!descPresent(d)) throw new CpuFault(Vec.NP, err);
  }
  markAccessed(cpu, sel, d);
  loadCache(cpu, seg, sel, d);
}

/** CS load for a real-mode or v86 far transfer: base = sel × 16. */
export function loadCsReal(cpu: Cpu, sel: number): void {
  const attr = cpu.v86Mode ? ATTR_DATA_RW | 0x8 | (3 << 5) : cpu.segAttr[CS];
  cpu.setSegCache(CS, sel & 0xffff, (sel & 0xffff) << 4, cpu.v86Mode ? 0xffff : cpu.segLimit[CS], attr);
}
