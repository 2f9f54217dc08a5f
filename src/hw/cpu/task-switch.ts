/**
 * Hardware task switching (SDM vol. 3, 7.3): JMP or CALL to a TSS or task
 * gate, an interrupt or exception through a task gate, and IRET with NT set.
 *
 * The order follows the manual's: check the new TSS descriptor, save the
 * outgoing state into the current TSS, update the busy bits and the link,
 * load TR and the new state, then load and check the new segments. Faults
 * before the save belong to the old task; faults while loading the new
 * segments are #TS (or #NP/#SS) raised in the context of the new task.
 */
import { ATTR_P, type Cpu, CR0_PG, CR0_TS, CS, DS, ES, FS, GS, LDTR, SS, TR } from "./cpu.js";
import { CpuFault, Vec } from "./fault.js";
import { NT, VM } from "./flags.js";
import {
  type Descriptor,
  descDpl,
  descIsCode,
  descLimit,
  descPresent,
  descriptorAddress,
  loadCache,
  readDescriptor,
  readSys16,
  readSys32,
  writeSys8,
  writeSys16,
  writeSys32,
} from "./segments.js";

export const enum TaskSource {
  JMP = 0,
  CALL = 1,
  IRET = 2,
  /** An interrupt or exception through a task gate (behaves like CALL). */
  INT = 3,
}

/** Type field of an available (1, 9) or busy (3, B) TSS; bit 3 = 32-bit. */
const BUSY = 0x2;

/**
 * Switch to the task whose TSS `sel` names. `cpu.eip` must already hold the
 * outgoing task's resume point. For events through a task gate, `errorCode`
 * (≥ 0) is pushed on the new task's stack.
 */
export function taskSwitch(cpu: Cpu, sel: number, source: TaskSource, errorCode = -1): void {
  const err = sel & 0xfffc;
  if (sel & 4) throw new CpuFault(Vec.GP, err); // a TSS lives in the GDT only
  const d = readDescriptor(cpu, sel);
  const type = (d.hi >>> 8) & 0x1f;
  const isTss = type === 0x01 || type === 0x03 || type === 0x09 || type === 0x0b;
  if (!isTss) throw new CpuFault(Vec.GP, err);
  const busy = (type & BUSY) !== 0;
  if (source === TaskSource.IRET ? !busy : busy) throw new CpuFault(Vec.GP, err);
  if (!descPresent(d)) throw new CpuFault(Vec.NP, err);
  const new32 = (type & 8) !== 0;
  if (descLimit(d) < (new32 ? 0x67 : 0x2b)) throw new CpuFault(Vec.TS, err);

  const newBase = ((d.lo >>> 16) | ((d.hi & 0xff) << 16) | (d.hi & 0xff000000)) >>> 0;
  const oldSel = cpu.segSel[TR];
  const oldBase = cpu.segBase[TR];
  const old32 = (cpu.segAttr[TR] & 8) !== 0;

  // Read the whole incoming state before touching anything (it may page-fault).
  const incoming = readTaskState(cpu, newBase, new32);

  // Save the outgoing state.
  let flags = cpu.eflags;
  if (source === TaskSource.IRET) flags &= ~NT;
  saveTaskState(cpu, oldBase, old32, flags);

  // Busy bits: the old task stops being busy on JMP and IRET; the new one
  // becomes busy on JMP, CALL and INT (on IRET it already is).
  if (source === TaskSource.JMP || source === TaskSource.IRET) setBusy(cpu, oldSel, false);
  if (source !== TaskSource.IRET) setBusy(cpu, sel, true);
  if (source === TaskSource.CALL || source === TaskSource.INT) {
    writeSys16(cpu, newBase, oldSel); // the previous-task link
    incoming.eflags |= NT;
  }

  // TR now names the new task; CR0.TS tells the FPU the context changed.
  d.hi |= BUSY << 8;
  loadCache(cpu, TR, sel, d);
  cpu.cr0 |= CR0_TS;

  // Load the new state.
  if (new32 && cpu.cr0 & CR0_PG && incoming.cr3 !== cpu.cr3) {
    cpu.cr3 = incoming.cr3;
    cpu.walker.flushNonGlobal();
  }
  cpu.eip = incoming.eip;
  cpu.setEflags(new32 ? incoming.eflags : (cpu.eflags & 0xffff0000) | (incoming.eflags & 0xffff));
  for (let r = 0; r < 8; r++) {
    if (new32) cpu.regs[r] = incoming.regs[r];
    else cpu.regs16[r << 1] = incoming.regs[r];
  }
  // Selectors go in first, unusable until their descriptors load.
  for (let s = 0; s < 6; s++) cpu.segSel[s] = incoming.segs[s];
  cpu.segSel[LDTR] = incoming.ldt;
  loadTaskSegments(cpu, incoming);

  if (errorCode >= 0) cpu.push(errorCode, new32 ? 4 : 2);
}

interface TaskState {
  cr3: number;
  eip: number;
  eflags: number;
  regs: number[];
  segs: number[]; // ES CS SS DS FS GS
  ldt: number;
}

function readTaskState(cpu: Cpu, base: number, is32: boolean): TaskState {
  const regs: number[] = [];
  const segs: number[] = [];
  if (is32) {
    for (let r = 0; r < 8; r++) regs.push(readSys32(cpu, base + 0x28 + r * 4));
    for (let s = 0; s < 6; s++) segs.push(readSys16(cpu, base + 0x48 + s * 4));
    return {
      cr3: readSys32(cpu, base + 0x1c),
      eip: readSys32(cpu, base + 0x20),
      eflags: readSys32(cpu, base + 0x24),
      regs,
      segs,
      ldt: readSys16(cpu, base + 0x60),
    };
  }
  for (let r = 0; r < 8; r++) regs.push(readSys16(cpu, base + 0x12 + r * 2));
  for (let s = 0; s < 4; s++) segs.push(readSys16(cpu, base + 0x22 + s * 2));
  segs.push(0, 0); // a 16-bit TSS has no FS/GS
  return {
    cr3: cpu.cr3,
    eip: readSys16(cpu, base + 0x0e),
    eflags: readSys16(cpu, base + 0x10),
    regs,
    segs,
    ldt: readSys16(cpu, base + 0x2a),
  };
}

function saveTaskState(cpu: Cpu, base: number, is32: boolean, eflags: number): void {
  if (is32) {
    writeSys32(cpu, base + 0x20, cpu.eip);
    writeSys32(cpu, base + 0x24, eflags);
    for (let r = 0; r < 8; r++) writeSys32(cpu, base + 0x28 + r * 4, cpu.regs[r]);
    for (let s = 0; s < 6; s++) writeSys16(cpu, base + 0x48 + s * 4, cpu.segSel[s]);
    return;
  }
  writeSys16(cpu, base + 0x0e, cpu.eip);
  writeSys16(cpu, base + 0x10, eflags);
  for (let r = 0; r < 8; r++) writeSys16(cpu, base + 0x12 + r * 2, cpu.regs[r]);
  for (let s = 0; s < 4; s++) writeSys16(cpu, base + 0x22 + s * 2, cpu.segSel[s]);
}

function setBusy(cpu: Cpu, sel: number, busy: boolean): void {
  const addr = descriptorAddress(cpu, sel);
  if (addr < 0) return;
  const typeByte = readSys32(cpu, addr + 4) >>> 8;
  writeSys8(cpu, addr + 5, busy ? typeByte | BUSY : typeByte & ~BUSY);
}

/** Load LDTR, CS, SS and the data segments of the new task, with the #TS checks of SDM table 7-1. */
function loadTaskSegments(cpu: Cpu, t: TaskState): void {
  // Start from unusable caches so a fault leaves no stale descriptor behind.
  for (let s = 0; s < 6; s++) cpu.setSegCache(s, t.segs[s], 0, 0, 0);
  cpu.setSegCache(LDTR, t.ldt, 0, 0, 0);

  if (t.ldt & 0xfffc) {
    if (t.ldt & 4) throw new CpuFault(Vec.TS, t.ldt & 0xfffc);
    const ld = readDescriptor(cpu, t.ldt, Vec.TS);
    if (((ld.hi >>> 8) & 0x1f) !== 0x02) throw new CpuFault(Vec.TS, t.ldt & 0xfffc);
    if (!descPresent(ld)) throw new CpuFault(Vec.TS, t.ldt & 0xfffc);
    loadCache(cpu, LDTR, t.ldt, ld);
  }

  if (t.eflags & VM) {
    cpu.cpl = 3;
    for (let s = 0; s < 6; s++) cpu.setSegCache(s, t.segs[s], t.segs[s] << 4, 0xffff, ATTR_P | 0x10 | 0x3 | (3 << 5));
    return;
  }

  const csSel = t.segs[1];
  const cpl = csSel & 3;
  const cs = taskDescriptor(cpu, csSel);
  if (!descIsCode(cs)) throw new CpuFault(Vec.TS, csSel & 0xfffc);
  const conforming = (cs.hi & 0x400) !== 0;
  if (conforming ? descDpl(cs) > cpl : descDpl(cs) !== cpl) throw new CpuFault(Vec.TS, csSel & 0xfffc);
  if (!descPresent(cs)) throw new CpuFault(Vec.NP, csSel & 0xfffc);

  const ssSel = t.segs[2];
  const ss = taskDescriptor(cpu, ssSel);
  const ssType = (ss.hi >>> 8) & 0x1a;
  if (ssType !== 0x12 || (ssSel & 3) !== cpl || descDpl(ss) !== cpl) throw new CpuFault(Vec.TS, ssSel & 0xfffc);
  if (!descPresent(ss)) throw new CpuFault(Vec.SS, ssSel & 0xfffc);

  cpu.cpl = cpl;
  loadCache(cpu, CS, csSel, cs);
  loadCache(cpu, SS, ssSel, ss);

  for (const s of [ES, DS, FS, GS]) {
    const sel = t.segs[s];
    if ((sel & 0xfffc) === 0) continue; // null: stays unusable
    const d = taskDescriptor(cpu, sel);
    const code = descIsCode(d);
    if (!(d.hi & 0x1000) || (code && !(d.hi & 0x200))) throw new CpuFault(Vec.TS, sel & 0xfffc);
    const conformingCode = code && (d.hi & 0x400) !== 0;
    if (!conformingCode && (descDpl(d) < cpl || descDpl(d) < (sel & 3))) throw new CpuFault(Vec.TS, sel & 0xfffc);
    if (!descPresent(d)) throw new CpuFault(Vec.NP, sel & 0xfffc);
    loadCache(cpu, s, sel, d);
  }
}

function taskDescriptor(cpu: Cpu, sel: number): Descriptor {
  if ((sel & 0xfffc) === 0) throw new CpuFault(Vec.TS, 0);
  return readDescriptor(cpu, sel, Vec.TS);
}
