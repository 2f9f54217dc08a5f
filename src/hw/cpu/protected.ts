/**
 * Protected-mode event delivery through IDT interrupt and trap gates
 * (SDM vol. 3, 6.12), with the stack switch through the TSS on a change of
 * privilege and from virtual-8086 mode.
 *
 * Everything that can fault is read and checked, and the new frame written,
 * before any register changes, so a fault during delivery leaves the
 * interrupted state intact for the double-fault logic.
 */
import { type Cpu, CS, DS, ES, ESP, FS, GS, SS, TR } from "./cpu.js";
import { CpuFault, Vec } from "./fault.js";
import { IF, NT, RF, TF, VM } from "./flags.js";
import { EventKind } from "./interrupts.js";
import {
  type Descriptor,
  descBase,
  descDpl,
  descIsCode,
  descLimit,
  descPresent,
  loadCache,
  readDescriptor,
  readSys16,
  readSys32,
} from "./segments.js";
import { taskSwitchThroughGate } from "./tasks.js";

export function deliverProtected(cpu: Cpu, vector: number, errorCode: number, kind: EventKind): void {
  // EXT: the event is not an INT n/INT3/INTO of the program (SDM vol. 3, 6.13).
  const ext = kind === EventKind.SOFTWARE ? 0 : 1;
  const idtErr = vector * 8 + 2 + ext;
  if (vector * 8 + 7 > cpu.idtLimit) throw new CpuFault(Vec.GP, idtErr);
  const gateAddr = cpu.idtBase + vector * 8;
  const lo = readSys32(cpu, gateAddr);
  const hi = readSys32(cpu, gateAddr + 4);
  const type = (hi >>> 8) & 0x1f;
  if (type !== 0x05 && type !== 0x06 && type !== 0x07 && type !== 0x0e && type !== 0x0f) throw new CpuFault(Vec.GP, idtErr);
  if (kind === EventKind.SOFTWARE && ((hi >>> 13) & 3) < cpu.cpl) throw new CpuFault(Vec.GP, idtErr);
  if (!(hi & 0x8000)) throw new CpuFault(Vec.NP, idtErr);

  if (type === 0x05) {
    taskSwitchThroughGate(cpu, lo >>> 16, errorCode);
    return;
  }

  const gate32 = (type & 8) !== 0;
  const trapGate = (type & 1) !== 0;
  const sel = lo >>> 16;
  const offset = gate32 ? ((lo & 0xffff) | (hi & 0xffff0000)) >>> 0 : lo & 0xffff;
  if ((sel & 0xfffc) === 0) throw new CpuFault(Vec.GP, ext);
  const cs = readDescriptor(cpu, sel);
  const csErr = (sel & 0xfffc) + ext;
  const dpl = descDpl(cs);
  if (!descIsCode(cs) || dpl > cpu.cpl) throw new CpuFault(Vec.GP, csErr);
  if (!descPresent(cs)) throw new CpuFault(Vec.NP, csErr);
  const conforming = (cs.hi & 0x400) !== 0;
  const oldFlags = cpu.eflags;
  const fromV86 = (oldFlags & VM) !== 0;
  const size = gate32 ? 4 : 2;
  const words: number[] = [];

  let newCpl = cpu.cpl;
  let ssSel = cpu.segSel[SS];
  let ssDesc: Descriptor | null = null;
  let newSp: number;
  let ssBase = cpu.segBase[SS];
  let ssBig = cpu.ssBig;

  if (!conforming && dpl < cpu.cpl) {
    // Inter-privilege: switch to the inner stack named in the TSS.
    newCpl = dpl;
    cpu.cycles += cpu.cost.events.privilegeChange;
    if (fromV86 && dpl !== 0) throw new CpuFault(Vec.GP, csErr);
    const stack = innerStack(cpu, dpl, ext);
    ssSel = stack.ss;
    ssDesc = stack.desc;
    newSp = stack.sp;
    ssBase = descBase(ssDesc);
    ssBig = (ssDesc.hi & 0x400000) !== 0;
    if (fromV86) words.push(cpu.segSel[GS], cpu.segSel[FS], cpu.segSel[DS], cpu.segSel[ES]);
    words.push(cpu.segSel[SS], cpu.regs[ESP] >>> 0);
  } else {
    if (fromV86) throw new CpuFault(Vec.GP, csErr);
    newSp = cpu.regs[ESP] >>> 0;
  }
  words.push(oldFlags, cpu.segSel[CS], cpu.eip);
  if (errorCode >= 0) words.push(errorCode);

  // Write the frame on the (possibly new) stack.
  let sp = ssBig ? newSp : newSp & 0xffff;
  const ssLimitLo = ssDesc ? (ssDesc.hi & 0x400 ? descLimit(ssDesc) + 1 : 0) : cpu.segLo[SS];
  const ssLimitHi = ssDesc ? (ssDesc.hi & 0x400 ? (ssBig ? 0xffffffff : 0xffff) : descLimit(ssDesc)) : cpu.segHi[SS];
  const stackErr = ssDesc ? (ssSel & 0xfffc) + ext : 0;
  const user = newCpl === 3;
  const phys: number[] = [];
  for (let k = 0; k < words.length; k++) {
    sp = ssBig ? (sp - size) >>> 0 : (sp - size) & 0xffff;
    if (sp < ssLimitLo || sp + size - 1 > ssLimitHi) throw new CpuFault(Vec.SS, stackErr);
    // Translate every byte first (the frame is written with the new CPL's
    // privilege), so a page fault leaves memory untouched.
    for (let b = 0; b < size; b++) {
      const lin = (ssBase + sp + b) >>> 0;
      phys.push(cpu.cr0 & 0x80000000 ? cpu.walker.translate(lin, true, user) : lin);
    }
  }
  for (let k = 0; k < words.length; k++) {
    for (let b = 0; b < size; b++) cpu.writePhys8(phys[k * size + b], words[k] >>> (8 * b));
  }

  // Commit.
  if (ssDesc) {
    if (fromV86) {
      for (const s of [ES, DS, FS, GS]) cpu.setSegCache(s, 0, 0, 0, 0);
    }
    loadCache(cpu, SS, (ssSel & ~3) | newCpl, ssDesc);
  }
  if (ssBig) cpu.regs[ESP] = sp;
  else cpu.regs[ESP] = (cpu.regs[ESP] & ~0xffff) | sp;
  cpu.flags &= ~(TF | NT | RF | VM | (trapGate ? 0 : IF));
  cpu.cpl = newCpl;
  loadCache(cpu, CS, (sel & 0xfffc) | newCpl, cs);
  cpu.eip = offset;
}

/** SS:ESP for privilege level `dpl` from the current TSS, checked as the manual says (#TS). */
export function innerStack(cpu: Cpu, dpl: number, ext: number): { ss: number; sp: number; desc: Descriptor } {
  const tss32 = (cpu.segAttr[TR] & 0x8) !== 0;
  const tssBase = cpu.segBase[TR];
  const trErr = (cpu.segSel[TR] & 0xfffc) + ext;
  let ss: number;
  let sp: number;
  if (tss32) {
    const off = 4 + dpl * 8;
    if (off + 5 > cpu.segLimit[TR]) throw new CpuFault(Vec.TS, trErr);
    sp = readSys32(cpu, tssBase + off);
    ss = readSys16(cpu, tssBase + off + 4);
  } else {
    const off = 2 + dpl * 4;
    if (off + 3 > cpu.segLimit[TR]) throw new CpuFault(Vec.TS, trErr);
    sp = readSys16(cpu, tssBase + off);
    ss = readSys16(cpu, tssBase + off + 2);
  }
  const ssErr = (ss & 0xfffc) + ext;
  if ((ss & 0xfffc) === 0) throw new CpuFault(Vec.TS, ext);
  const desc = readDescriptor(cpu, ss, Vec.TS);
  const type = (desc.hi >>> 8) & 0x1f;
  const writableData = (type & 0x1a) === 0x12;
  if ((ss & 3) !== dpl || descDpl(desc) !== dpl || !writableData) throw new CpuFault(Vec.TS, ssErr);
  if (!descPresent(desc)) throw new CpuFault(Vec.SS, ssErr);
  return { ss, sp, desc };
}
