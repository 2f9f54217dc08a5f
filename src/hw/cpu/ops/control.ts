/**
 * Control transfer (SDM vol. 2): Jcc, JMP, CALL, RET, LOOP/JCXZ, the FF
 * group, far JMP/CALL/RET, IRET and the software interrupts. Near targets
 * are masked to 16 bits with a 16-bit operand size and checked against
 * the CS limit (#GP(0)). Far transfers in real and virtual-8086 mode load
 * CS as selector × 16; in protected mode they go to far.ts.
 */
import { type Cpu, CS, ECX, ESP, SS } from "../cpu.js";
import { callFar, iretProtected, jmpFar, retFar } from "../far.js";
import { CpuFault, Vec } from "../fault.js";
import { AC, ARITH, DF, getOF, getZF, ID, IF, IOPL, NT, RF, TF, testCC } from "../flags.js";
import type { Insn } from "../insn.js";
import { deliver, EventKind } from "../interrupts.js";
import { ea, readE, sext } from "../operands.js";
import { loadCsReal } from "../segments.js";
import { incDec } from "./alu.js";
import { define, type HandlerTable } from "./table.js";

const gp0 = (): CpuFault => new CpuFault(Vec.GP, 0);

/**
 * Jump to `target` (already an absolute offset) honouring the operand size
 * (2 or 4) and the CS limit. Exported, with `callNear` and `retNear`, for
 * the threaded tier, which runs the near branches from packed words.
 */
export function jumpTo(cpu: Cpu, opsize: number, target: number): void {
  const t = opsize === 2 ? target & 0xffff : target >>> 0;
  if (t > cpu.segHi[CS]) throw gp0();
  cpu.eip = t;
}

/** Near CALL to `target`: check the target, push the return address, jump. */
export function callNear(cpu: Cpu, opsize: number, target: number): void {
  const t = opsize === 2 ? target & 0xffff : target >>> 0;
  if (t > cpu.segHi[CS]) throw gp0();
  // The return address as int32 (push takes either): a kernel's would be a boxed double.
  cpu.push(cpu.eip | 0, opsize);
  cpu.eip = t;
}

/** Near RET, releasing `imm` more bytes. */
export function retNear(cpu: Cpu, opsize: number, imm: number): void {
  // The return address as int32 first (peekI32): a kernel's would be a boxed double.
  const t = opsize === 2 ? cpu.peek(2) : cpu.peekI32() >>> 0;
  if (t > cpu.segHi[CS]) throw gp0();
  cpu.adjustSp(opsize + imm);
  cpu.eip = t;
}

/**
 * LOOP (E2), LOOPE (E1), LOOPNE (E0): decrement CX or ECX (by address
 * size) without touching the flags; branch while it is not zero (and ZF
 * agrees). The count is written only once the branch cannot fault.
 */
function loop(cpu: Cpu, i: Insn): void {
  const count = i.adsize === 4 ? (cpu.regs[ECX] - 1) | 0 : (cpu.regs16[ECX << 1] - 1) & 0xffff;
  let take = count !== 0;
  if (take && i.op === 0xe1) take = getZF(cpu);
  else if (take && i.op === 0xe0) take = !getZF(cpu);
  let t = cpu.eip;
  if (take) {
    t = i.opsize === 2 ? (t + sext(i.imm, 1)) & 0xffff : (t + sext(i.imm, 1)) >>> 0;
    if (t > cpu.segHi[CS]) throw gp0();
  }
  if (i.adsize === 4) cpu.regs[ECX] = count;
  else cpu.regs16[ECX << 1] = count;
  cpu.eip = t;
}

// --- far transfers in real and virtual-8086 mode --------------------------

/** Real or virtual-8086 mode: no descriptors, CS base = selector × 16. */
function flatSegments(cpu: Cpu): boolean {
  return cpu.realMode || cpu.v86Mode;
}

function jmpFarReal(cpu: Cpu, sel: number, offset: number): void {
  if (offset > cpu.segHi[CS]) throw gp0();
  loadCsReal(cpu, sel);
  cpu.eip = offset;
}

/** Push two values (`first` deeper) of `size` bytes; both slots are checked before either is written. */
function push2(cpu: Cpu, first: number, second: number, size: number): void {
  const big = cpu.ssBig;
  const sp = cpu.sp;
  const a = big ? (sp - size) >>> 0 : (sp - size) & 0xffff;
  const b = big ? (sp - 2 * size) >>> 0 : (sp - 2 * size) & 0xffff;
  cpu.probeWrite(SS, a, size);
  cpu.probeWrite(SS, b, size);
  cpu.write(SS, a, size, first);
  cpu.write(SS, b, size, second);
  if (big) cpu.regs[ESP] = b;
  else cpu.regs16[ESP << 1] = b;
}

function callFarReal(cpu: Cpu, sel: number, offset: number, size: number): void {
  if (offset > cpu.segHi[CS]) throw gp0();
  push2(cpu, cpu.segSel[CS], cpu.eip, size);
  loadCsReal(cpu, sel);
  cpu.eip = offset;
}

function farJump(cpu: Cpu, sel: number, offset: number, opsize: number): void {
  if (flatSegments(cpu)) jmpFarReal(cpu, sel, offset);
  else jmpFar(cpu, sel, offset, opsize);
}

function farCall(cpu: Cpu, sel: number, offset: number, opsize: number): void {
  if (flatSegments(cpu)) callFarReal(cpu, sel, offset, opsize);
  else callFar(cpu, sel, offset, opsize);
}

/** RETF / RETF imm16. */
function retf(cpu: Cpu, i: Insn, imm: number): void {
  if (!flatSegments(cpu)) {
    retFar(cpu, i.opsize, imm);
    return;
  }
  const size = i.opsize;
  const ip = cpu.peek(size, 0);
  const sel = cpu.peek(size, size) & 0xffff;
  if (ip > cpu.segHi[CS]) throw gp0();
  cpu.adjustSp(2 * size + imm);
  loadCsReal(cpu, sel);
  cpu.eip = ip;
}

/** The EFLAGS bits IRET loads in real mode (SDM: 257FD5H for 32 bits: VM, VIF, VIP stay). */
const IRET_REAL_FLAGS = ARITH | TF | IF | DF | IOPL | NT | RF | AC | ID;

/**
 * IRET in real mode and in virtual-8086 mode. Virtual-8086 mode needs
 * IOPL 3 (we have no VME) and cannot change IOPL.
 */
function iret(cpu: Cpu, i: Insn): void {
  const v86 = cpu.v86Mode;
  if (!cpu.realMode && !v86) {
    iretProtected(cpu, i.opsize);
    return;
  }
  if (v86 && ((cpu.flags >>> 12) & 3) !== 3) throw gp0();
  const size = i.opsize;
  const ip = cpu.peek(size, 0);
  const sel = cpu.peek(size, size) & 0xffff;
  const fl = cpu.peek(size, 2 * size);
  if (ip > cpu.segHi[CS]) throw gp0();
  let m = v86 ? IRET_REAL_FLAGS & ~IOPL : IRET_REAL_FLAGS;
  if (size === 2) m &= 0xffff;
  cpu.adjustSp(3 * size);
  loadCsReal(cpu, sel);
  cpu.eip = ip;
  cpu.setEflags((cpu.eflags & ~m) | (fl & m));
}

/** INC/DEC Ev without a closure per instruction; the store is probed before the flags change. */
function incDecE(cpu: Cpu, i: Insn, size: number, dec: boolean): void {
  if (i.mod === 3) {
    cpu.setReg(i.rm, size, incDec(cpu, cpu.getReg(i.rm, size), size, dec));
    return;
  }
  const off = ea(cpu, i);
  cpu.probeWrite(i.seg, off, size);
  const v = cpu.read(i.seg, off, size);
  cpu.write(i.seg, off, size, incDec(cpu, v, size, dec));
}

/** The far pointer (offset, then selector) of an Mp operand; the register form is #UD. */
function farPointer(cpu: Cpu, i: Insn, out: Int32Array): void {
  if (i.mod === 3) throw new CpuFault(Vec.UD);
  const off = ea(cpu, i);
  out[0] = cpu.read(i.seg, off, i.opsize);
  out[1] = cpu.read16(i.seg, off + i.opsize);
}
const ptr = new Int32Array(2);

export function installControl(t: HandlerTable): void {
  // Jcc rel8 / rel16/32
  for (let cc = 0; cc < 16; cc++) {
    define(t, 0x70 + cc, (cpu, i) => {
      if (testCC(cpu, cc)) jumpTo(cpu, i.opsize, cpu.eip + sext(i.imm, 1));
    });
    define(t, 0x180 + cc, (cpu, i) => {
      if (testCC(cpu, cc)) jumpTo(cpu, i.opsize, cpu.eip + sext(i.imm, i.opsize));
    });
  }

  define(t, 0xe9, (cpu, i) => jumpTo(cpu, i.opsize, cpu.eip + sext(i.imm, i.opsize)));
  define(t, 0xeb, (cpu, i) => jumpTo(cpu, i.opsize, cpu.eip + sext(i.imm, 1)));
  define(t, 0xe8, (cpu, i) => callNear(cpu, i.opsize, cpu.eip + sext(i.imm, i.opsize)));
  define(t, 0xc3, (cpu, i) => retNear(cpu, i.opsize, 0));
  define(t, 0xc2, (cpu, i) => retNear(cpu, i.opsize, i.imm));

  define(t, 0xe0, loop);
  define(t, 0xe1, loop);
  define(t, 0xe2, loop);
  // JCXZ / JECXZ: the address size picks the register.
  define(t, 0xe3, (cpu, i) => {
    const count = i.adsize === 4 ? cpu.regs[ECX] : cpu.regs16[ECX << 1];
    if (count === 0) jumpTo(cpu, i.opsize, cpu.eip + sext(i.imm, 1));
  });

  // Group 5.
  define(t, 0xff, (cpu, i) => {
    const s = i.opsize;
    switch (i.reg) {
      case 0:
      case 1:
        incDecE(cpu, i, s, i.reg === 1);
        return;
      case 2:
        callNear(cpu, i.opsize, readE(cpu, i, s));
        return;
      case 3:
        farPointer(cpu, i, ptr);
        farCall(cpu, ptr[1], ptr[0] >>> 0, s);
        return;
      case 4:
        jumpTo(cpu, i.opsize, readE(cpu, i, s));
        return;
      case 5:
        farPointer(cpu, i, ptr);
        farJump(cpu, ptr[1], ptr[0] >>> 0, s);
        return;
      case 6:
        cpu.push(readE(cpu, i, s), s);
        return;
      default:
        throw new CpuFault(Vec.UD);
    }
  });

  // Far JMP/CALL ptr16:16/32 (Ap: offset in imm, selector in imm2).
  define(t, 0xea, (cpu, i) => farJump(cpu, i.imm2, i.imm, i.opsize));
  define(t, 0x9a, (cpu, i) => farCall(cpu, i.imm2, i.imm, i.opsize));
  define(t, 0xcb, (cpu, i) => retf(cpu, i, 0));
  define(t, 0xca, (cpu, i) => retf(cpu, i, i.imm));
  define(t, 0xcf, iret);

  // Software interrupts: EIP is already past the instruction, which is the
  // return address they push. INT n in virtual-8086 mode needs IOPL 3;
  // INT3 and INTO are not IOPL-sensitive.
  define(t, 0xcc, (cpu) => deliver(cpu, Vec.BP, -1, EventKind.SOFTWARE));
  define(t, 0xcd, (cpu, i) => {
    if (cpu.v86Mode && ((cpu.flags >>> 12) & 3) !== 3) throw gp0();
    deliver(cpu, i.imm, -1, EventKind.SOFTWARE);
  });
  define(t, 0xce, (cpu) => {
    if (getOF(cpu)) deliver(cpu, Vec.OF, -1, EventKind.SOFTWARE);
  });
  // INT1 (ICEBP): a #DB trap delivered as an exception, so without the
  // gate DPL check a software interrupt gets.
  define(t, 0xf1, () => {
    throw new CpuFault(Vec.DB, -1, true);
  });
}
