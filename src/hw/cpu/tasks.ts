/**
 * Hardware task switching (SDM vol. 3, 7.3): through task gates in the
 * IDT, JMP/CALL to a TSS or task gate, and IRET with NT set. 16- and
 * 32-bit TSSs.
 *
 * The switch reads the whole new task state and makes sure the writes to
 * the old TSS and the descriptor tables cannot page-fault before it
 * changes anything; that is the point where the processor commits. Faults
 * found afterwards (while loading the new task's segments) belong to the
 * new task: they are raised as traps so the engine does not rewind EIP to
 * the old task's instruction.
 */

import { ATTR_DATA_RW, type Cpu, CR0_PG, CR0_TS, CS, DS, ES, FS, GS, LDTR, SS, TR } from "./cpu.js";
import { updateBreakpoints } from "./debug.js";
import { CpuFault, Vec } from "./fault.js";
import { NT, VM } from "./flags.js";
import {
  type Descriptor,
  descAttr,
  descBase,
  descDpl,
  descIsCode,
  descIsCodeData,
  descLimit,
  descPresent,
  descriptorAddress,
  descType,
  loadCache,
  markAccessed,
  readDescriptor,
  readSys8,
  readSys16,
  readSys32,
  writeSys8,
  writeSys16,
  writeSys32,
} from "./segments.js";

/** Why the task switch happens: decides busy bits, NT and the back link. */
export const enum TaskSource {
  JMP = 0,
  CALL = 1,
  IRET = 2,
  /** An interrupt or exception through an IDT task gate. */
  INT = 3,
}

/** A fault raised after the switch committed: it is the new task's, so EIP must stay. */
const late = (vector: number, code: number): CpuFault => new CpuFault(vector, code, true);

/**
 * Interrupt or exception through an IDT task gate whose DPL and presence
 * the caller has checked. The TSS must be an available TSS in the GDT. An
 * error code, if any, is pushed on the new task's stack.
 */
export function taskSwitchThroughGate(cpu: Cpu, tssSel: number, errorCode: number): void {
  const err = tssSel & 0xfffc;
  if (tssSel & 4) throw new CpuFault(Vec.GP, err);
  const d = readDescriptor(cpu, tssSel);
  const type = descType(d);
  if (type !== 1 && type !== 9) throw new CpuFault(Vec.GP, err);
  if (!descPresent(d)) throw new CpuFault(Vec.NP, err);
  switchTask(cpu, tssSel, d, TaskSource.INT, errorCode);
}

// Scratch for the incoming state (no allocation per switch).
const newRegs = new Int32Array(8);
const newSegs = new Uint16Array(6);

/**
 * Switch to the task whose TSS descriptor `d` the selector `sel` names.
 * The caller has done the privilege, type and presence checks of the
 * instruction (JMP/CALL/IRET/gate); this does the switch proper.
 */
export function switchTask(cpu: Cpu, sel: number, d: Descriptor, source: TaskSource, errorCode: number): void {
  const err = sel & 0xfffc;
  const new32 = (descType(d) & 8) !== 0;
  const base = descBase(d);
  const limit = descLimit(d);
  if (sel & 4 || limit < (new32 ? 0x67 : 0x2b)) throw new CpuFault(Vec.TS, err);

  // Read the new task's state.
  let cr3 = 0;
  let eip: number;
  let eflags: number;
  let ldt: number;
  let debugTrap = false;
  if (new32) {
    cr3 = readSys32(cpu, base + 0x1c);
    eip = readSys32(cpu, base + 0x20);
    eflags = readSys32(cpu, base + 0x24);
    for (let r = 0; r < 8; r++) newRegs[r] = readSys32(cpu, base + 0x28 + r * 4);
    for (let s = 0; s < 6; s++) newSegs[s] = readSys16(cpu, base + 0x48 + s * 4);
    ldt = readSys16(cpu, base + 0x60);
    debugTrap = (readSys16(cpu, base + 0x64) & 1) !== 0;
  } else {
    eip = readSys16(cpu, base + 0x0e);
    eflags = readSys16(cpu, base + 0x10);
    for (let r = 0; r < 8; r++) newRegs[r] = readSys16(cpu, base + 0x12 + r * 2);
    for (let s = 0; s < 4; s++) newSegs[s] = readSys16(cpu, base + 0x22 + s * 2);
    newSegs[4] = 0;
    newSegs[5] = 0;
    ldt = readSys16(cpu, base + 0x2a);
  }

  // Make sure every write below can be done: the old TSS's state area,
  // the new TSS's back link, and both descriptors' type bytes.
  const old32 = (cpu.segAttr[TR] & 8) !== 0;
  const oldBase = cpu.segBase[TR];
  const oldSel = cpu.segSel[TR];
  if (cpu.cr0 & CR0_PG) {
    const first = oldBase + (old32 ? 0x20 : 0x0e);
    const last = oldBase + (old32 ? 0x5f : 0x29);
    for (let lin = first; lin <= last; lin = ((lin & ~0xfff) + 0x1000) >>> 0) cpu.walker.translate(lin >>> 0, true, false);
    cpu.walker.translate(last >>> 0, true, false);
    if (source === TaskSource.CALL || source === TaskSource.INT) cpu.walker.translate(base >>> 0, true, false);
  }
  const oldDescAddr = descriptorAddress(cpu, oldSel);
  const newDescAddr = descriptorAddress(cpu, sel);

  // --- commit: from here on the old task is saved and the new one loads.
  const oldFlags = source === TaskSource.IRET ? cpu.eflags & ~NT : cpu.eflags;
  if (old32) {
    writeSys32(cpu, oldBase + 0x20, cpu.eip);
    writeSys32(cpu, oldBase + 0x24, oldFlags);
    for (let r = 0; r < 8; r++) writeSys32(cpu, oldBase + 0x28 + r * 4, cpu.regs[r]);
    for (let s = 0; s < 6; s++) writeSys16(cpu, oldBase + 0x48 + s * 4, cpu.segSel[s]);
  } else {
    writeSys16(cpu, oldBase + 0x0e, cpu.eip);
    writeSys16(cpu, oldBase + 0x10, oldFlags);
    for (let r = 0; r < 8; r++) writeSys16(cpu, oldBase + 0x12 + r * 2, cpu.regs[r]);
    for (let s = 0; s < 4; s++) writeSys16(cpu, oldBase + 0x22 + s * 2, cpu.segSel[s]);
  }
  // The task we leave is no longer busy unless it is nested under the new one.
  if ((source === TaskSource.JMP || source === TaskSource.IRET) && oldSel & 0xfffc && oldDescAddr >= 0) {
    writeSys8(cpu, oldDescAddr + 5, readSys8(cpu, oldDescAddr + 5) & ~0x2);
  }
  if (source === TaskSource.CALL || source === TaskSource.INT) {
    writeSys16(cpu, base, oldSel);
    eflags |= NT;
  }
  if (source !== TaskSource.IRET && newDescAddr >= 0) {
    d.hi |= 0x200;
    writeSys8(cpu, newDescAddr + 5, d.hi >>> 8);
  }

  cpu.cr0 |= CR0_TS;
  cpu.setSegCache(TR, sel, base, limit, descAttr(d) | 0x2);
  if (new32 && cpu.cr0 & CR0_PG) {
    cpu.cr3 = cr3 >>> 0;
    cpu.walker.flushNonGlobal();
  }
  cpu.eip = eip >>> 0;
  if (new32) {
    cpu.setEflags(eflags);
    cpu.regs.set(newRegs);
  } else {
    cpu.setEflags((cpu.eflags & 0xffff0000) | (eflags & 0xffff));
    for (let r = 0; r < 8; r++) cpu.regs16[r << 1] = newRegs[r];
  }
  // Local breakpoints belong to the task being left (DR7 L0–L3, LE).
  cpu.dr[7] &= ~0x155;
  updateBreakpoints(cpu);

  const v86 = new32 && (eflags & VM) !== 0;
  if (v86) {
    for (let s = 0; s <= GS; s++) {
      const v = newSegs[s];
      cpu.setSegCache(s, v, v << 4, 0xffff, ATTR_DATA_RW | (3 << 5) | (s === CS ? 0x8 : 0));
    }
    cpu.cpl = 3;
  } else {
    // Selectors first, caches unusable until each load below succeeds.
    for (let s = 0; s <= GS; s++) cpu.setSegCache(s, newSegs[s], 0, 0, 0);
  }

  loadTaskLdt(cpu, ldt);
  if (!v86) {
    const cpl = newSegs[CS] & 3;
    cpu.cpl = cpl;
    loadTaskSegment(cpu, CS, newSegs[CS], cpl);
    loadTaskSegment(cpu, SS, newSegs[SS], cpl);
    for (const s of [ES, DS, FS, GS]) loadTaskSegment(cpu, s, newSegs[s], cpl);
  }

  if (errorCode >= 0) {
    try {
      cpu.push(errorCode, new32 ? 4 : 2);
    } catch (e) {
      if (e instanceof CpuFault) throw late(e.vector, e.errorCode);
      throw e;
    }
  }
  if (cpu.eip > cpu.segHi[CS]) throw late(Vec.GP, 0);
  if (debugTrap) {
    // The TSS's T flag: a #DB trap before the new task's first instruction, DR6.BT set.
    cpu.dr[6] |= 0x8000;
    throw late(Vec.DB, -1);
  }
}

/** LDTR from the new TSS: null, or an LDT descriptor in the GDT (#TS otherwise). */
function loadTaskLdt(cpu: Cpu, sel: number): void {
  const err = sel & 0xfffc;
  if (sel & 4) throw late(Vec.TS, err);
  if (err === 0) {
    cpu.setSegCache(LDTR, sel, 0, 0, 0);
    return;
  }
  const addr = descriptorAddress(cpu, sel);
  if (addr < 0) throw late(Vec.TS, err);
  const d = { lo: readSys32(cpu, addr), hi: readSys32(cpu, addr + 4) };
  if (descType(d) !== 2 || !descPresent(d)) throw late(Vec.TS, err);
  loadCache(cpu, LDTR, sel, d);
}

/**
 * A segment register of the new task, with the checks of SDM vol. 3
 * table 7-1: #TS for a bad selector or descriptor, #NP (#SS for SS) when
 * not present.
 */
function loadTaskSegment(cpu: Cpu, seg: number, sel: number, cpl: number): void {
  const err = sel & 0xfffc;
  if (err === 0) {
    if (seg === CS || seg === SS) throw late(Vec.TS, err);
    cpu.setSegCache(seg, sel, 0, 0, 0);
    return;
  }
  const addr = descriptorAddress(cpu, sel);
  if (addr < 0) throw late(Vec.TS, err);
  const d = { lo: readSys32(cpu, addr), hi: readSys32(cpu, addr + 4) };
  if (!descIsCodeData(d)) throw late(Vec.TS, err);
  const rpl = sel & 3;
  const dpl = descDpl(d);
  const code = descIsCode(d);
  if (seg === CS) {
    if (!code) throw late(Vec.TS, err);
    if (d.hi & 0x400 ? dpl > rpl : dpl !== rpl) throw late(Vec.TS, err);
  } else if (seg === SS) {
    if (code || !(d.hi & 0x200) || dpl !== cpl || rpl !== cpl) throw late(Vec.TS, err);
  } else {
    if (code && !(d.hi & 0x200)) throw late(Vec.TS, err); // execute-only code
    const conforming = code && (d.hi & 0x400) !== 0;
    if (!conforming && (dpl < cpl || dpl < rpl)) throw late(Vec.TS, err);
  }
  if (!descPresent(d)) throw late(seg === SS ? Vec.SS : Vec.NP, err);
  markAccessed(cpu, sel, d);
  loadCache(cpu, seg, sel, d);
}
