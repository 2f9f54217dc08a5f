/**
 * The FPU environment and state images (SDM vol. 1, 8.1.10, figures
 * 8-9…8-12): FNSTENV/FLDENV (14 or 28 bytes), FNSAVE/FRSTOR (plus the
 * eight registers in stack order, 10 bytes each), and the control/status
 * word instructions FNSTCW, FLDCW, FNSTSW, FNINIT, FNCLEX.
 *
 * The layout follows the operand size (16- or 32-bit format) and the mode:
 * real-address and virtual-8086 mode store the 20/32-bit linear
 * instruction and data pointers, protected mode the selector:offset pairs.
 * As on Intel processors (and Bochs), the reserved upper halves of the
 * 32-bit format's control, status, tag and FDS dwords (and of the real-mode
 * pointer-low dwords) are stored as FFFF; QEMU stores zeros there.
 */
import { type Cpu, EAX } from "../cpu.js";
import type { Insn } from "../insn.js";
import { fromRaw, raw, toRaw } from "./float80.js";
import { B, ES, EXC } from "./fpu.js";

/** Real-address or virtual-8086 mode: the real-mode image layouts. */
function realLayout(cpu: Cpu): boolean {
  return cpu.realMode || cpu.v86Mode;
}

/** Write the environment at seg:off (range already probed); returns its size. */
function storeEnv(cpu: Cpu, i: Insn, off: number): number {
  const f = cpu.fpu;
  const seg = i.seg;
  const cw = f.control;
  const sw = f.status;
  const tw = f.tag;
  if (realLayout(cpu)) {
    const ip = ((f.fcs << 4) + f.fip) >>> 0;
    const dp = ((f.fds << 4) + f.fdp) >>> 0;
    if (i.opsize === 4) {
      cpu.write32(seg, off, 0xffff0000 | cw);
      cpu.write32(seg, off + 4, 0xffff0000 | sw);
      cpu.write32(seg, off + 8, 0xffff0000 | tw);
      cpu.write32(seg, off + 12, 0xffff0000 | (ip & 0xffff));
      cpu.write32(seg, off + 16, ((ip >>> 16) << 12) | f.fop);
      cpu.write32(seg, off + 20, 0xffff0000 | (dp & 0xffff));
      cpu.write32(seg, off + 24, (dp >>> 16) << 12);
      return 28;
    }
    cpu.write16(seg, off, cw);
    cpu.write16(seg, off + 2, sw);
    cpu.write16(seg, off + 4, tw);
    cpu.write16(seg, off + 6, ip);
    cpu.write16(seg, off + 8, (((ip >>> 16) & 0xf) << 12) | f.fop);
    cpu.write16(seg, off + 10, dp);
    cpu.write16(seg, off + 12, ((dp >>> 16) & 0xf) << 12);
    return 14;
  }
  if (i.opsize === 4) {
    cpu.write32(seg, off, 0xffff0000 | cw);
    cpu.write32(seg, off + 4, 0xffff0000 | sw);
    cpu.write32(seg, off + 8, 0xffff0000 | tw);
    cpu.write32(seg, off + 12, f.fip);
    cpu.write32(seg, off + 16, f.fcs | (f.fop << 16));
    cpu.write32(seg, off + 20, f.fdp);
    cpu.write32(seg, off + 24, 0xffff0000 | f.fds);
    return 28;
  }
  cpu.write16(seg, off, cw);
  cpu.write16(seg, off + 2, sw);
  cpu.write16(seg, off + 4, tw);
  cpu.write16(seg, off + 6, f.fip);
  cpu.write16(seg, off + 8, f.fcs);
  cpu.write16(seg, off + 10, f.fdp);
  cpu.write16(seg, off + 12, f.fds);
  return 14;
}

/** An environment image read from memory, committed only once every read has succeeded. */
const env = { cw: 0, sw: 0, tw: 0, fip: 0, fcs: 0, fop: 0, fdp: 0, fds: 0 };

/** Read the environment at seg:off into `env`; returns its size. */
function readEnv(cpu: Cpu, i: Insn, off: number): number {
  const seg = i.seg;
  if (i.opsize === 4) {
    env.cw = cpu.read16(seg, off);
    env.sw = cpu.read16(seg, off + 4);
    env.tw = cpu.read16(seg, off + 8);
    const d12 = cpu.read32(seg, off + 12);
    const d16 = cpu.read32(seg, off + 16);
    const d20 = cpu.read32(seg, off + 20);
    const d24 = cpu.read32(seg, off + 24);
    if (realLayout(cpu)) {
      env.fip = ((d12 & 0xffff) | (((d16 >>> 12) & 0xffff) << 16)) >>> 0;
      env.fcs = 0;
      env.fop = d16 & 0x7ff;
      env.fdp = ((d20 & 0xffff) | (((d24 >>> 12) & 0xffff) << 16)) >>> 0;
      env.fds = 0;
    } else {
      env.fip = d12;
      env.fcs = d16 & 0xffff;
      env.fop = (d16 >>> 16) & 0x7ff;
      env.fdp = d20;
      env.fds = d24 & 0xffff;
    }
    return 28;
  }
  env.cw = cpu.read16(seg, off);
  env.sw = cpu.read16(seg, off + 2);
  env.tw = cpu.read16(seg, off + 4);
  const w6 = cpu.read16(seg, off + 6);
  const w8 = cpu.read16(seg, off + 8);
  const w10 = cpu.read16(seg, off + 10);
  const w12 = cpu.read16(seg, off + 12);
  if (realLayout(cpu)) {
    env.fip = w6 | ((w8 >>> 12) << 16);
    env.fcs = 0;
    env.fop = w8 & 0x7ff;
    env.fdp = w10 | ((w12 >>> 12) << 16);
    env.fds = 0;
  } else {
    env.fip = w6;
    env.fcs = w8;
    env.fop = 0;
    env.fdp = w10;
    env.fds = w12;
  }
  return 14;
}

/** Load `env` into the FPU. The tag word is applied by the caller (after FRSTOR's registers). */
function commitEnv(cpu: Cpu): void {
  const f = cpu.fpu;
  f.control = controlWord(env.cw);
  f.status = env.sw;
  f.fip = env.fip;
  f.fcs = env.fcs;
  f.fop = env.fop;
  f.fdp = env.fdp;
  f.fds = env.fds;
  f.syncSummary();
}

/** Reserved control-word bits: 6 reads as 1; 7, 13–15 as 0 (bit 12, the 287's X, is kept). */
export function controlWord(v: number): number {
  return (v & 0x1f3f) | 0x40;
}

/** FNSTENV: store the environment, then mask all exceptions. */
export function fnstenv(cpu: Cpu, i: Insn, off: number): void {
  cpu.probeWrite(i.seg, off, i.opsize === 4 ? 28 : 14);
  storeEnv(cpu, i, off);
  cpu.fpu.control |= EXC;
}

export function fldenv(cpu: Cpu, i: Insn, off: number): void {
  readEnv(cpu, i, off);
  commitEnv(cpu);
  cpu.fpu.tag = env.tw;
}

/** FNSAVE: the environment and ST(0)..ST(7), then FNINIT. */
export function fnsave(cpu: Cpu, i: Insn, off: number): void {
  const f = cpu.fpu;
  const size = i.opsize === 4 ? 28 : 14;
  cpu.probeWrite(i.seg, off, size + 80);
  storeEnv(cpu, i, off);
  for (let k = 0; k < 8; k++) {
    toRaw(f, f.phys(k));
    const p = off + size + 10 * k;
    cpu.write32(i.seg, p, raw.lo);
    cpu.write32(i.seg, p + 4, raw.hi);
    cpu.write16(i.seg, p + 8, raw.se);
  }
  f.init();
}

const regImage = new Uint32Array(24);

export function frstor(cpu: Cpu, i: Insn, off: number): void {
  const size = readEnv(cpu, i, off);
  for (let k = 0; k < 8; k++) {
    const p = off + size + 10 * k;
    regImage[3 * k] = cpu.read32(i.seg, p);
    regImage[3 * k + 1] = cpu.read32(i.seg, p + 4);
    regImage[3 * k + 2] = cpu.read16(i.seg, p + 8);
  }
  commitEnv(cpu);
  const f = cpu.fpu;
  for (let k = 0; k < 8; k++) fromRaw(f, f.phys(k), regImage[3 * k + 2], regImage[3 * k + 1], regImage[3 * k]);
  f.tag = env.tw;
}

export function fnstcw(cpu: Cpu, i: Insn, off: number): void {
  cpu.write16(i.seg, off, cpu.fpu.control);
}

/** FLDCW: newly unmasked pending exceptions set ES (the next waiting instruction takes #MF). */
export function fldcw(cpu: Cpu, i: Insn, off: number): void {
  const f = cpu.fpu;
  f.control = controlWord(cpu.read16(i.seg, off));
  f.syncSummary();
}

export function fnstswMem(cpu: Cpu, i: Insn, off: number): void {
  cpu.write16(i.seg, off, cpu.fpu.status);
}

export function fnstswAx(cpu: Cpu): void {
  cpu.setReg(EAX, 2, cpu.fpu.status);
}

/** FNCLEX: clear the exception flags, SF, ES and B. */
export function fnclex(cpu: Cpu): void {
  cpu.fpu.sw &= ~(EXC | 0x40 | ES | B);
}
