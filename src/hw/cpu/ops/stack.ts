/**
 * Stack instructions (SDM vol. 2): PUSH/POP of registers, segment
 * registers, memory and immediates, PUSHA/POPA, PUSHF/POPF with their
 * privilege rules, ENTER and LEAVE.
 *
 * Every instruction that moves the stack pointer by more than one push does
 * all its memory accesses first and updates ESP/EBP last, so a fault leaves
 * the registers as they were (precise exceptions).
 */
import { type Cpu, CR4_VME, CS, DS, EBP, ES, ESP, FS, GS, SS } from "../cpu.js";
import { gp, ud } from "../fault.js";
import { AC, AF, CF, DF, ID, IF, IOPL, NT, OF, PF, RF, SF, TF, VIF, VIP, VM, ZF } from "../flags.js";
import type { Insn } from "../insn.js";
import { ea, mask, sext } from "../operands.js";
import { loadSegment } from "../segments.js";
import { define, type HandlerTable } from "./table.js";

/** `base + delta` wrapped to the stack width (SS.B). */
function spAdd(big: boolean, base: number, delta: number): number {
  return big ? (base + delta) >>> 0 : (base + delta) & 0xffff;
}

/** Set ESP (32-bit stack) or only SP (16-bit stack, the upper half of ESP kept). */
function setSp(cpu: Cpu, big: boolean, sp: number): void {
  if (big) cpu.regs[ESP] = sp;
  else cpu.regs16[ESP << 1] = sp;
}

/**
 * PUSH Sreg. With a 32-bit operand size the SDM allows either a 16-bit
 * store or a zero-extended 32-bit one; QEMU (our oracle) writes the
 * zero-extended doubleword, and so do we.
 */
function pushSeg(cpu: Cpu, i: Insn, seg: number): void {
  cpu.push(cpu.segSel[seg], i.opsize);
}

/**
 * POP Sreg: the selector is loaded (with all its checks) before the stack
 * pointer moves, and the increment uses the stack width of the SS the value
 * was read through, even when the popped register is SS itself.
 */
function popSeg(cpu: Cpu, i: Insn, seg: number): void {
  const big = cpu.ssBig;
  const size = i.opsize;
  const sel = cpu.peek(size) & 0xffff;
  const sp = spAdd(big, cpu.sp, size);
  loadSegment(cpu, seg, sel);
  setSp(cpu, big, sp);
  // POP SS shadows interrupts for one instruction (SDM vol. 3, 6.8.3).
  if (seg === SS) cpu.inhibitInterrupts = true;
}

/**
 * POP Ev (8F /0). A memory destination that uses ESP as base sees ESP
 * already incremented (SDM vol. 2, "POP"); the increment itself is
 * committed only after the store succeeds.
 */
function popEv(cpu: Cpu, i: Insn): void {
  if (i.reg !== 0) throw ud();
  const size = i.opsize;
  const v = cpu.peek(size);
  if (i.mod === 3) {
    cpu.adjustSp(size);
    cpu.setReg(i.rm, size, v); // pop esp: ESP ends up holding the popped value
    return;
  }
  const old = cpu.regs[ESP];
  cpu.adjustSp(size);
  const off = ea(cpu, i);
  cpu.regs[ESP] = old;
  cpu.write(i.seg, off, size, v);
  cpu.adjustSp(size);
}

/** PUSHA: AX CX DX BX (original) SP BP SI DI, written before SP moves. */
function pusha(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const big = cpu.ssBig;
  const sp = cpu.sp;
  for (let r = 0; r < 8; r++) {
    cpu.write(SS, spAdd(big, sp, -size * (r + 1)), size, cpu.getReg(r, size));
  }
  setSp(cpu, big, spAdd(big, sp, -size * 8));
}

/** POPA: read all eight slots first; the slot of SP is skipped. */
function popa(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const big = cpu.ssBig;
  const sp = cpu.sp;
  const di = cpu.read(SS, sp, size);
  const si = cpu.read(SS, spAdd(big, sp, size), size);
  const bp = cpu.read(SS, spAdd(big, sp, size * 2), size);
  const bx = cpu.read(SS, spAdd(big, sp, size * 4), size);
  const dx = cpu.read(SS, spAdd(big, sp, size * 5), size);
  const cx = cpu.read(SS, spAdd(big, sp, size * 6), size);
  const ax = cpu.read(SS, spAdd(big, sp, size * 7), size);
  cpu.setReg(7, size, di);
  cpu.setReg(6, size, si);
  cpu.setReg(EBP, size, bp);
  cpu.setReg(3, size, bx);
  cpu.setReg(2, size, dx);
  cpu.setReg(1, size, cx);
  cpu.setReg(0, size, ax);
  setSp(cpu, big, spAdd(big, sp, size * 8));
}

/** IOPL field of the current EFLAGS. */
function iopl(cpu: Cpu): number {
  return (cpu.flags >>> 12) & 3;
}

/**
 * PUSHF. The 32-bit image has VM and RF cleared. In virtual-8086 mode with
 * IOPL < 3 it faults, except the 16-bit form under CR4.VME, which pushes VIF
 * in place of IF and IOPL as 3 (SDM vol. 2, "PUSHF").
 */
function pushf(cpu: Cpu, i: Insn): void {
  const flags = cpu.eflags;
  if (cpu.v86Mode && iopl(cpu) < 3) {
    if (!(cpu.cr4 & CR4_VME) || i.opsize === 4) throw gp(0);
    const image = (flags & 0xffff & ~IF) | (flags & VIF ? IF : 0) | IOPL;
    cpu.push(image, 2);
    return;
  }
  cpu.push(i.opsize === 4 ? flags & ~(VM | RF) : flags & 0xffff, i.opsize);
}

/** Flags any POPF may write (with AC and ID only reachable by the 32-bit form). */
const POPF_BASE = CF | PF | AF | ZF | SF | TF | DF | OF | NT | AC | ID;

/**
 * POPF (SDM vol. 2, "POPF"):
 *  - real mode and CPL 0: IOPL and IF may change;
 *  - CPL <= IOPL: IF may change, IOPL not;
 *  - otherwise neither changes, silently;
 *  - virtual-8086 mode: IOPL 3 behaves as CPL 3 <= IOPL; IOPL < 3 faults,
 *    except the 16-bit form under CR4.VME, which moves IF into VIF.
 * VM, RF, VIP and VIF are never changed (the current SDM and QEMU; older
 * SDM editions said VIP and VIF are cleared). The 16-bit form touches only
 * the low 16 bits.
 */
function popf(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const old = cpu.eflags;
  if (cpu.v86Mode && iopl(cpu) < 3) {
    if (!(cpu.cr4 & CR4_VME) || size === 4) throw gp(0);
    const v = cpu.peek(2);
    // A request to enable interrupts while one is pending, or to set TF, faults.
    if ((v & IF && old & VIP) || v & TF) throw gp(0);
    const m = POPF_BASE & 0xffff;
    const next = (old & ~m & ~VIF) | (v & m) | (v & IF ? VIF : 0);
    cpu.adjustSp(2);
    cpu.setEflags(next);
    return;
  }
  const v = cpu.peek(size);
  let m = POPF_BASE;
  if (cpu.realMode || (!cpu.v86Mode && cpu.cpl === 0)) m |= IF | IOPL;
  else if (cpu.cpl <= iopl(cpu)) m |= IF;
  if (size === 2) m &= 0xffff;
  cpu.adjustSp(size);
  cpu.setEflags((old & ~m) | (v & m));
}

/**
 * ENTER Iw,Ib (SDM vol. 2, "ENTER"): push (E)BP, copy level−1 frame
 * pointers from the old frame, push the new frame pointer, then reserve
 * the locals. Addresses wrap at the stack width; which of BP/EBP receives
 * the frame pointer follows the operand size. Everything is written before
 * EBP and ESP change, and the manual's final check that the new stack top
 * is writable is made, so a fault leaves the registers untouched.
 */
function enter(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const big = cpu.ssBig;
  const alloc = i.imm & 0xffff;
  const level = i.imm2 & 31;
  // The stack-size attribute picks BP or EBP as the frame pointer (current
  // SDM wording, and QEMU); the operand size is the width of each push.
  // FrameTemp is the full ESP less one push, its low word on a 16-bit stack.
  const frameTemp = (cpu.regs[ESP] - size) >>> 0;
  const at = (v: number) => (big ? v >>> 0 : v & 0xffff);
  cpu.write(SS, at(frameTemp), size, cpu.getReg(EBP, size));
  if (level > 0) {
    const bp = cpu.regs[EBP];
    for (let k = 1; k < level; k++) {
      const v = cpu.read(SS, at(bp - k * size), size);
      cpu.write(SS, at(frameTemp - k * size), size, v);
    }
    cpu.write(SS, at(frameTemp - level * size), size, frameTemp);
  }
  const sp = at(frameTemp - level * size - alloc);
  cpu.probeWrite(SS, sp, size);
  cpu.setReg(EBP, big ? 4 : 2, frameTemp);
  setSp(cpu, big, sp);
}

/** LEAVE: (E)SP = (E)BP by stack width, then pop (E)BP by operand size. */
function leave(cpu: Cpu, i: Insn): void {
  const size = i.opsize;
  const big = cpu.ssBig;
  const sp = big ? cpu.regs[EBP] >>> 0 : cpu.regs16[EBP << 1];
  const v = cpu.read(SS, sp, size);
  setSp(cpu, big, spAdd(big, sp, size));
  cpu.setReg(EBP, size, v);
}

export function installStack(t: HandlerTable): void {
  for (let r = 0; r < 8; r++) {
    // PUSH r: the value is read before the decrement, so PUSH ESP pushes the old ESP.
    define(t, 0x50 + r, (cpu, i) => cpu.push(cpu.getReg(r, i.opsize), i.opsize));
    // POP r: the increment happens first, so POP ESP leaves the popped value in ESP.
    define(t, 0x58 + r, (cpu, i) => {
      const v = cpu.pop(i.opsize);
      cpu.setReg(r, i.opsize, v);
    });
  }

  define(t, 0x06, (cpu, i) => pushSeg(cpu, i, ES));
  define(t, 0x0e, (cpu, i) => pushSeg(cpu, i, CS));
  define(t, 0x16, (cpu, i) => pushSeg(cpu, i, SS));
  define(t, 0x1e, (cpu, i) => pushSeg(cpu, i, DS));
  define(t, 0x1a0, (cpu, i) => pushSeg(cpu, i, FS));
  define(t, 0x1a8, (cpu, i) => pushSeg(cpu, i, GS));
  define(t, 0x07, (cpu, i) => popSeg(cpu, i, ES));
  define(t, 0x17, (cpu, i) => popSeg(cpu, i, SS));
  define(t, 0x1f, (cpu, i) => popSeg(cpu, i, DS));
  define(t, 0x1a1, (cpu, i) => popSeg(cpu, i, FS));
  define(t, 0x1a9, (cpu, i) => popSeg(cpu, i, GS));

  define(t, 0x8f, popEv);
  define(t, 0x60, pusha);
  define(t, 0x61, popa);
  define(t, 0x68, (cpu, i) => cpu.push(i.imm, i.opsize));
  define(t, 0x6a, (cpu, i) => cpu.push(mask(sext(i.imm, 1), i.opsize), i.opsize));
  define(t, 0x9c, pushf);
  define(t, 0x9d, popf);
  define(t, 0xc8, enter);
  define(t, 0xc9, leave);
}
