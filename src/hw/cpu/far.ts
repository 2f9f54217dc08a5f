/**
 * Protected-mode far transfers (SDM vol. 2 "JMP", "CALL", "RET", "IRET";
 * vol. 3, 5.8): to code segments, through call gates (with the stack
 * switch and parameter copy of an inter-privilege call), returns to the
 * same and to an outer privilege level, IRET (also to virtual-8086 mode and
 * as a task return), and JMP/CALL to a TSS or task gate, which go to
 * tasks.ts.
 *
 * Every transfer reads and checks everything that can fault (descriptors,
 * stack limits, pages of the new stack frame) before it changes the first
 * register, so a fault leaves the caller's state intact.
 */
import { ATTR_DATA_RW, type Cpu, CR0_PG, CS, DS, ES, ESP, FS, GS, SS, TR } from "./cpu.js";
import { CpuFault, Vec } from "./fault.js";
import { AC, ARITH, DF, ID, IF, IOPL, NT, RF, TF, VIF, VIP, VM } from "./flags.js";
import { innerStack } from "./protected.js";
import {
  type Descriptor,
  descBase,
  descDpl,
  descIsCode,
  descIsCodeData,
  descLimit,
  descPresent,
  descType,
  loadCache,
  markAccessed,
  readDescriptor,
  readSys16,
} from "./segments.js";
import { switchTask, TaskSource } from "./tasks.js";

const gp = (code: number): CpuFault => new CpuFault(Vec.GP, code);
const np = (code: number): CpuFault => new CpuFault(Vec.NP, code);

/** Descriptor bits (in the high dword). */
const D_CONFORMING = 0x400;
const D_BIG = 0x400000;

/** Writable data segment: S=1, code=0, W=1. */
function isWritableData(d: Descriptor): boolean {
  return (d.hi & 0x1a00) === 0x1200;
}

// --- stack frames on a stack that may not be loaded yet -----------------

/** The frame being built, in push order, and the physical address of each of its bytes. */
const frame = new Float64Array(40);
let frameLen = 0;
const framePhys = new Float64Array(40 * 4);

function framePush(v: number): void {
  frame[frameLen++] = v;
}

/**
 * Check that the frame can be pushed below `sp` on a stack with the given
 * base, valid offset range and size, translating every byte with the
 * privilege of `user` (so a page fault happens before anything is
 * written). A slot outside the limits raises #SS(err). Returns the stack
 * pointer after the pushes; `writeFrame` then stores the bytes.
 */
function checkFrame(
  cpu: Cpu,
  base: number,
  lo: number,
  hi: number,
  big: boolean,
  sp: number,
  size: number,
  user: boolean,
  err: number,
): number {
  const paged = (cpu.cr0 & CR0_PG) !== 0;
  let p = sp;
  let n = 0;
  for (let k = 0; k < frameLen; k++) {
    p = big ? (p - size) >>> 0 : (p - size) & 0xffff;
    if (p < lo || p + size - 1 > hi) throw new CpuFault(Vec.SS, err);
    for (let b = 0; b < size; b++) {
      const lin = (base + p + b) >>> 0;
      framePhys[n++] = paged ? cpu.walker.translate(lin, true, user) : lin;
    }
  }
  return p;
}

function writeFrame(cpu: Cpu, size: number): void {
  let n = 0;
  for (let k = 0; k < frameLen; k++) {
    const v = frame[k];
    for (let b = 0; b < size; b++) cpu.writePhys8(framePhys[n++], v >>> (8 * b));
  }
}

/** checkFrame on the current SS:ESP. */
function checkFrameHere(cpu: Cpu, size: number): number {
  if (!(cpu.segRW[SS] & 2)) throw new CpuFault(Vec.SS, 0);
  return checkFrame(cpu, cpu.segBase[SS], cpu.segLo[SS], cpu.segHi[SS], cpu.ssBig, cpu.sp, size, cpu.cpl === 3, 0);
}

/** Set the stack pointer after a transfer: all of ESP for a 32-bit stack, SP alone for a 16-bit one. */
function setSp(cpu: Cpu, sp: number, big: boolean): void {
  if (big) cpu.regs[ESP] = sp;
  else cpu.regs16[ESP << 1] = sp;
}

/** The valid offset range of a data segment descriptor (expand-down aware). */
function descLo(d: Descriptor): number {
  return d.hi & 0x400 ? descLimit(d) + 1 : 0;
}
function descHi(d: Descriptor): number {
  if (d.hi & 0x400) return d.hi & D_BIG ? 0xffffffff : 0xffff;
  return descLimit(d);
}

// --- targets --------------------------------------------------------------

/**
 * A code segment named directly by JMP or CALL: a conforming segment needs
 * DPL <= CPL, a non-conforming one RPL <= CPL and DPL = CPL (#GP(sel));
 * then it must be present (#NP(sel)).
 */
function checkDirectCode(cpu: Cpu, d: Descriptor, sel: number): void {
  const err = sel & 0xfffc;
  if (!descIsCode(d)) throw gp(err);
  const dpl = descDpl(d);
  if (d.hi & D_CONFORMING) {
    if (dpl > cpu.cpl) throw gp(err);
  } else if ((sel & 3) > cpu.cpl || dpl !== cpu.cpl) throw gp(err);
  if (!descPresent(d)) throw np(err);
}

/** Check a call gate itself: DPL >= CPL and >= RPL (#GP), present (#NP). */
function checkGate(cpu: Cpu, d: Descriptor, sel: number): void {
  const dpl = descDpl(d);
  if (dpl < cpu.cpl || dpl < (sel & 3)) throw gp(sel & 0xfffc);
  if (!descPresent(d)) throw np(sel & 0xfffc);
}

/** The offset a call gate names: 16 bits for a 286 gate, 32 for a 386 gate. */
function gateOffset(d: Descriptor): number {
  return descType(d) === 0xc ? ((d.lo & 0xffff) | (d.hi & 0xffff0000)) >>> 0 : d.lo & 0xffff;
}

/**
 * The code segment a call gate points at. It must be code with DPL <= CPL;
 * a JMP may not change privilege, so it also needs DPL = CPL unless the
 * segment is conforming.
 */
function gateCode(cpu: Cpu, csSel: number, jump: boolean): Descriptor {
  if ((csSel & 0xfffc) === 0) throw gp(0);
  const cd = readDescriptor(cpu, csSel);
  const err = csSel & 0xfffc;
  const dpl = descDpl(cd);
  if (!descIsCode(cd) || dpl > cpu.cpl) throw gp(err);
  if (jump && !(cd.hi & D_CONFORMING) && dpl !== cpu.cpl) throw gp(err);
  if (!descPresent(cd)) throw np(err);
  return cd;
}

/** Load CS (RPL = the new CPL) and EIP. */
function enterCode(cpu: Cpu, sel: number, d: Descriptor, cpl: number, eip: number): void {
  cpu.cpl = cpl;
  loadCache(cpu, CS, (sel & 0xfffc) | cpl, d);
  cpu.eip = eip;
}

/**
 * JMP or CALL to a TSS or a task gate: the gate or TSS needs DPL >= CPL
 * and >= RPL; a TSS must be available (a busy one is #GP).
 */
function toTask(cpu: Cpu, sel: number, d: Descriptor, source: TaskSource): void {
  const type = descType(d);
  const err = sel & 0xfffc;
  const dpl = descDpl(d);
  if (type !== 1 && type !== 9 && type !== 5) throw gp(err);
  if (dpl < cpu.cpl || dpl < (sel & 3)) throw gp(err);
  if (!descPresent(d)) throw np(err);
  if (type !== 5) {
    switchTask(cpu, sel, d, source, -1);
    return;
  }
  const tssSel = d.lo >>> 16;
  const tssErr = tssSel & 0xfffc;
  if (tssSel & 4) throw gp(tssErr);
  const td = readDescriptor(cpu, tssSel);
  const tt = descType(td);
  if (tt !== 1 && tt !== 9) throw gp(tssErr);
  if (!descPresent(td)) throw np(tssErr);
  switchTask(cpu, tssSel, td, source, -1);
}

// --- JMP and CALL -----------------------------------------------------------

/** JMP to code segment `sel`:`eip` (directly or through a gate) at the current privilege level. */
function jumpHere(cpu: Cpu, sel: number, d: Descriptor, eip: number): void {
  if (eip > descLimit(d)) throw gp(0);
  markAccessed(cpu, sel, d);
  enterCode(cpu, sel, d, cpu.cpl, eip);
}

/**
 * CALL to code segment `sel`:`eip` (directly or through a gate) at the
 * current privilege level: push CS and EIP in `size`-byte slots on the
 * current stack. The stack and the limit are checked before anything changes.
 */
function callHere(cpu: Cpu, sel: number, d: Descriptor, eip: number, size: number): void {
  frameLen = 0;
  framePush(cpu.segSel[CS]);
  framePush(cpu.eip);
  const sp = checkFrameHere(cpu, size);
  if (eip > descLimit(d)) throw gp(0);
  markAccessed(cpu, sel, d);
  writeFrame(cpu, size);
  setSp(cpu, sp, cpu.ssBig);
  enterCode(cpu, sel, d, cpu.cpl, eip);
}

/** Far JMP in protected mode (not virtual-8086) to sel:offset. */
export function jmpFar(cpu: Cpu, sel: number, offset: number, opsize: number): void {
  sel &= 0xffff;
  if ((sel & 0xfffc) === 0) throw gp(0);
  const d = readDescriptor(cpu, sel);
  if (descIsCodeData(d)) {
    checkDirectCode(cpu, d, sel);
    jumpHere(cpu, sel, d, opsize === 2 ? offset & 0xffff : offset >>> 0);
    return;
  }
  const type = descType(d);
  if (type === 4 || type === 0xc) {
    checkGate(cpu, d, sel);
    const csSel = d.lo >>> 16;
    jumpHere(cpu, csSel, gateCode(cpu, csSel, true), gateOffset(d));
    return;
  }
  toTask(cpu, sel, d, TaskSource.JMP);
}

/** Far CALL in protected mode (not virtual-8086) to sel:offset. */
export function callFar(cpu: Cpu, sel: number, offset: number, opsize: number): void {
  sel &= 0xffff;
  if ((sel & 0xfffc) === 0) throw gp(0);
  const d = readDescriptor(cpu, sel);
  if (descIsCodeData(d)) {
    checkDirectCode(cpu, d, sel);
    callHere(cpu, sel, d, opsize === 2 ? offset & 0xffff : offset >>> 0, opsize);
    return;
  }
  const type = descType(d);
  if (type !== 4 && type !== 0xc) {
    toTask(cpu, sel, d, TaskSource.CALL);
    return;
  }

  // Through a call gate: the gate's size decides the size of every push.
  checkGate(cpu, d, sel);
  const csSel = d.lo >>> 16;
  const cd = gateCode(cpu, csSel, false);
  const eip = gateOffset(d);
  const size = type === 0xc ? 4 : 2;
  const dpl = descDpl(cd);

  if (!(cd.hi & D_CONFORMING) && dpl < cpu.cpl) {
    // To a more privileged level: switch to the inner stack from the TSS,
    // push the caller's SS:ESP, copy the parameters, push CS:EIP.
    const st = innerStack(cpu, dpl, 0);
    const ssd = st.desc;
    const big = (ssd.hi & D_BIG) !== 0;
    const count = d.hi & 0x1f;
    frameLen = 0;
    framePush(cpu.segSel[SS]);
    framePush(cpu.regs[ESP]);
    // The parameters keep their order: the deepest one is pushed first.
    for (let k = count - 1; k >= 0; k--) framePush(cpu.peek(size, k * size));
    framePush(cpu.segSel[CS]);
    framePush(cpu.eip);
    const sp = checkFrame(cpu, descBase(ssd), descLo(ssd), descHi(ssd), big, big ? st.sp : st.sp & 0xffff, size, dpl === 3, st.ss & 0xfffc);
    if (eip > descLimit(cd)) throw gp(0);
    markAccessed(cpu, st.ss, ssd);
    markAccessed(cpu, csSel, cd);
    writeFrame(cpu, size);
    loadCache(cpu, SS, (st.ss & ~3) | dpl, ssd);
    setSp(cpu, sp, big);
    enterCode(cpu, csSel, cd, dpl, eip);
    return;
  }
  callHere(cpu, csSel, cd, eip, size);
}

// --- RETF and IRET ----------------------------------------------------------

/**
 * The code segment a far return goes back to: RPL >= CPL, a code segment
 * whose DPL is RPL (or <= RPL when conforming), present.
 */
function returnCode(cpu: Cpu, sel: number): Descriptor {
  if ((sel & 0xfffc) === 0) throw gp(0);
  const cd = readDescriptor(cpu, sel);
  const err = sel & 0xfffc;
  const rpl = sel & 3;
  if (!descIsCode(cd) || rpl < cpu.cpl) throw gp(err);
  const dpl = descDpl(cd);
  if (cd.hi & D_CONFORMING ? dpl > rpl : dpl !== rpl) throw gp(err);
  if (!descPresent(cd)) throw np(err);
  return cd;
}

/** The stack segment of a return to an outer level: writable data with RPL = DPL = the new CPL. */
function returnStack(cpu: Cpu, sel: number, rpl: number): Descriptor {
  if ((sel & 0xfffc) === 0) throw gp(0);
  const sd = readDescriptor(cpu, sel);
  const err = sel & 0xfffc;
  if ((sel & 3) !== rpl || !isWritableData(sd) || descDpl(sd) !== rpl) throw gp(err);
  if (!descPresent(sd)) throw new CpuFault(Vec.SS, err);
  return sd;
}

/**
 * After a return to an outer level, data segment registers the new CPL
 * may not use (DPL < CPL, unless conforming code) become null, so the
 * outer level cannot keep using an inner level's segments.
 */
const DATA_SEGMENTS = [ES, DS, FS, GS];

function nullInaccessible(cpu: Cpu, cpl: number): void {
  for (const s of DATA_SEGMENTS) {
    const a = cpu.segAttr[s];
    const conformingCode = (a & 0x1c) === 0x1c;
    if (!conformingCode && ((a >>> 5) & 3) < cpl) cpu.setSegCache(s, 0, 0, 0, 0);
  }
}

/** Far RET (RETF, RETF imm16) in protected mode; `imm` bytes of parameters are released. */
export function retFar(cpu: Cpu, opsize: number, imm: number): void {
  const size = opsize;
  const eip = cpu.peek(size, 0);
  const sel = cpu.peek(size, size) & 0xffff;
  const cd = returnCode(cpu, sel);
  const rpl = sel & 3;
  if (rpl === cpu.cpl) {
    if (eip > descLimit(cd)) throw gp(0);
    markAccessed(cpu, sel, cd);
    cpu.adjustSp(2 * size + imm);
    enterCode(cpu, sel, cd, rpl, eip);
    return;
  }
  // To an outer level: the caller's SS:ESP sits above the parameters.
  const newSp = cpu.peek(size, 2 * size + imm);
  const newSs = cpu.peek(size, 3 * size + imm) & 0xffff;
  const sd = returnStack(cpu, newSs, rpl);
  if (eip > descLimit(cd)) throw gp(0);
  markAccessed(cpu, sel, cd);
  markAccessed(cpu, newSs, sd);
  enterCode(cpu, sel, cd, rpl, eip);
  loadCache(cpu, SS, newSs, sd);
  const big = (sd.hi & D_BIG) !== 0;
  setSp(cpu, big ? (newSp + imm) >>> 0 : (newSp + imm) & 0xffff, big);
  nullInaccessible(cpu, rpl);
}

/**
 * EFLAGS from an IRET frame in protected mode. `cpl` is the CPL before
 * the IRET: IOPL (and VIF/VIP) only change at CPL 0, IF only when
 * CPL <= IOPL; a 16-bit IRET leaves the upper half alone.
 */
function loadIretFlags(cpu: Cpu, fl: number, size: number, cpl: number): void {
  let m = ARITH | TF | DF | NT;
  if (size === 4) m |= RF | AC | ID;
  if (cpl === 0) m |= size === 4 ? IOPL | VIF | VIP : IOPL;
  if (cpl <= ((cpu.flags >>> 12) & 3)) m |= IF;
  cpu.setEflags((cpu.eflags & ~m) | (fl & m));
}

/** IRET in protected mode (not virtual-8086): task return, same level, outer level, or into virtual-8086 mode. */
export function iretProtected(cpu: Cpu, opsize: number): void {
  if (cpu.flags & NT) {
    taskReturn(cpu);
    return;
  }
  const size = opsize;
  const eip = cpu.peek(size, 0);
  const sel = cpu.peek(size, size) & 0xffff;
  const fl = cpu.peek(size, 2 * size);
  const cpl = cpu.cpl;
  if (size === 4 && fl & VM && cpl === 0) {
    iretToV86(cpu, eip, sel, fl);
    return;
  }
  const cd = returnCode(cpu, sel);
  const rpl = sel & 3;
  if (rpl === cpl) {
    if (eip > descLimit(cd)) throw gp(0);
    markAccessed(cpu, sel, cd);
    cpu.adjustSp(3 * size);
    loadIretFlags(cpu, fl, size, cpl);
    enterCode(cpu, sel, cd, rpl, eip);
    return;
  }
  const newSp = cpu.peek(size, 3 * size);
  const newSs = cpu.peek(size, 4 * size) & 0xffff;
  const sd = returnStack(cpu, newSs, rpl);
  if (eip > descLimit(cd)) throw gp(0);
  markAccessed(cpu, sel, cd);
  markAccessed(cpu, newSs, sd);
  loadIretFlags(cpu, fl, size, cpl);
  enterCode(cpu, sel, cd, rpl, eip);
  loadCache(cpu, SS, newSs, sd);
  setSp(cpu, newSp, (sd.hi & D_BIG) !== 0);
  nullInaccessible(cpu, rpl);
}

/**
 * IRET from CPL 0 with VM set in the popped EFLAGS: the frame continues
 * with ESP, SS, ES, DS, FS, GS (32 bits each), and every segment is
 * loaded the virtual-8086 way (base = selector × 16, limit 64 KiB, DPL 3).
 */
function iretToV86(cpu: Cpu, eip: number, cs: number, fl: number): void {
  const esp = cpu.peek(4, 12);
  const ss = cpu.peek(4, 16);
  const es = cpu.peek(4, 20);
  const ds = cpu.peek(4, 24);
  const fs = cpu.peek(4, 28);
  const gs = cpu.peek(4, 32);
  cpu.setEflags(fl);
  cpu.regs[ESP] = esp;
  const data = ATTR_DATA_RW | (3 << 5);
  cpu.setSegCache(CS, cs, cs << 4, 0xffff, data | 0x8);
  cpu.setSegCache(SS, ss & 0xffff, (ss & 0xffff) << 4, 0xffff, data);
  cpu.setSegCache(ES, es & 0xffff, (es & 0xffff) << 4, 0xffff, data);
  cpu.setSegCache(DS, ds & 0xffff, (ds & 0xffff) << 4, 0xffff, data);
  cpu.setSegCache(FS, fs & 0xffff, (fs & 0xffff) << 4, 0xffff, data);
  cpu.setSegCache(GS, gs & 0xffff, (gs & 0xffff) << 4, 0xffff, data);
  cpu.cpl = 3;
  // Only IP is meaningful in virtual-8086 mode (QEMU drops the upper half too).
  cpu.eip = eip & 0xffff;
}

/**
 * IRET with NT set returns to the task named by the back link in the
 * current TSS, which must be a busy TSS in the GDT (#TS otherwise).
 */
function taskReturn(cpu: Cpu): void {
  const link = readSys16(cpu, cpu.segBase[TR]);
  const err = link & 0xfffc;
  if (link & 4) throw new CpuFault(Vec.TS, err);
  const d = readDescriptor(cpu, link, Vec.TS);
  const type = descType(d);
  if (type !== 3 && type !== 0xb) throw new CpuFault(Vec.TS, err);
  if (!descPresent(d)) throw np(err);
  switchTask(cpu, link, d, TaskSource.IRET, -1);
}
