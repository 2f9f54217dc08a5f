/**
 * Installs the x87 escape opcodes D8–DF and FWAIT (9B) in the semantics
 * table (SDM vol. 2, appendix A.4 "Escape opcode instructions").
 *
 * Each escape byte has two sub-tables: memory forms by ModRM.reg, register
 * forms by (reg, rm). One dispatcher per escape byte does what every x87
 * instruction shares, in the architectural order:
 *   1. LOCK → #UD; CR0.EM or CR0.TS → #NM (SDM vol. 3, table 2-2);
 *   2. an undefined encoding → #UD;
 *   3. waiting instructions (all but FNINIT, FNCLEX, FNSTSW, FNSTCW,
 *      FNSTENV, FNSAVE) first take a pending unmasked exception: #MF when
 *      CR0.NE = 1, else FERR# (`fpu.onFerr`, the PC's IRQ 13);
 *   4. the operation;
 *   5. non-control instructions record FCS:FIP, FOP and (with a memory
 *      operand) FDS:FDP (SDM vol. 1, 8.1.8–8.1.9).
 * The undocumented aliases that Intel processors execute (FCOM2, FCOMP3,
 * FXCH4, FCOMP5, FFREEP, FXCH7, FSTP1, FSTP8, FSTP9) are included.
 */
import { type Cpu, CR0_EM, CR0_MP, CR0_NE, CR0_TS, CS } from "../cpu.js";
import { CpuFault, Vec } from "../fault.js";
import { type Insn, Pfx } from "../insn.js";
import { ea } from "../operands.js";
import { define, type HandlerTable } from "../ops/table.js";
import { ArOp, arith, fprem, frndint, fscale, fsign, fsqrt, fxtract } from "./arith.js";
import { compare, compareUnderflow, fxam, setCC, setEflags } from "./compare.js";
import { fldcw, fldenv, fnclex, fnsave, fnstcw, fnstenv, fnstswAx, fnstswMem, frstor } from "./env.js";
import { fromReal4, fromReal8 } from "./float80.js";
import { ES, type Fpu, OPND } from "./fpu.js";
import {
  fbld,
  fbstp,
  fcmov,
  ffree,
  fildInt16,
  fildInt32,
  fildInt64,
  fist,
  fldConst,
  fldReal4,
  fldReal8,
  fldReal10,
  fldReg,
  fstpReal10,
  fstReal,
  fstReg,
  fxch,
  rotateTop,
} from "./loadstore.js";
import { f2xm1, fcos, fpatan, fptan, fsin, fsincos, fyl2x, fyl2xp1 } from "./transcendental.js";

type MemOp = (cpu: Cpu, i: Insn, off: number) => void;
type RegOp = (cpu: Cpu, i: Insn) => void;

/** Instruction kind bits. */
const CONTROL = 1; // keeps FIP/FOP/FDP (SDM vol. 1, 8.1.8)
const NOWAIT = 2; // does not take pending exceptions

class Escape {
  readonly mem: (MemOp | undefined)[] = new Array(8).fill(undefined);
  readonly memKind = new Uint8Array(8);
  readonly reg: (RegOp | undefined)[] = new Array(64).fill(undefined);
  readonly regKind = new Uint8Array(64);

  m(reg: number, h: MemOp, kind = 0): void {
    this.mem[reg] = h;
    this.memKind[reg] = kind;
  }

  /** Register form(s): `rm` -1 defines all eight ST(i) forms. */
  r(reg: number, rm: number, h: RegOp, kind = 0): void {
    const first = Math.max(rm, 0);
    const last = rm < 0 ? 7 : rm;
    for (let k = first; k <= last; k++) {
      this.reg[(reg << 3) | k] = h;
      this.regKind[(reg << 3) | k] = kind;
    }
  }
}

/** A waiting instruction found an unmasked exception pending (SDM vol. 1, 8.7). */
function pending(cpu: Cpu): void {
  if (cpu.cr0 & CR0_NE) throw new CpuFault(Vec.MF);
  cpu.fpu.onFerr?.();
}

function dispatcher(esc: number, t: Escape): (cpu: Cpu, i: Insn) => void {
  const opHigh = (esc & 7) << 8;
  return (cpu, i) => {
    if (i.prefixes & Pfx.LOCK) throw new CpuFault(Vec.UD);
    if (cpu.cr0 & (CR0_EM | CR0_TS)) throw new CpuFault(Vec.NM);
    const f = cpu.fpu;
    if (i.mod === 3) {
      const n = (i.reg << 3) | i.rm;
      const h = t.reg[n];
      if (!h) throw new CpuFault(Vec.UD);
      const kind = t.regKind[n];
      if (!(kind & NOWAIT) && f.sw & ES) pending(cpu);
      h(cpu, i);
      if (!(kind & CONTROL)) {
        f.fip = i.eip;
        f.fcs = cpu.segSel[CS];
        f.fop = opHigh | 0xc0 | n;
      }
      return;
    }
    const h = t.mem[i.reg];
    if (!h) throw new CpuFault(Vec.UD);
    const kind = t.memKind[i.reg];
    if (!(kind & NOWAIT) && f.sw & ES) pending(cpu);
    const off = ea(cpu, i);
    h(cpu, i, off);
    if (!(kind & CONTROL)) {
      f.fip = i.eip;
      f.fcs = cpu.segSel[CS];
      f.fop = opHigh | (i.mod << 6) | (i.reg << 3) | i.rm;
      f.fdp = off;
      f.fds = cpu.segSel[i.seg];
    }
  };
}

// --- shared operation shapes ----------------------------------------------------

/** op ST(0), memory operand in OPND. */
function arithMem(f: Fpu, op: ArOp): void {
  const r = f.top;
  if (f.empty[r]) {
    if (!f.underflow()) f.setIndefinite(r);
    return;
  }
  arith(f, op, r, OPND, r);
}

/** op ST(dst), ST(src) into ST(dst), then pop when asked (and not aborted). */
function arithRegs(f: Fpu, op: ArOp, dst: number, src: number, pop: boolean): void {
  if (f.empty[dst] || f.empty[src]) {
    if (f.underflow()) return;
    f.setIndefinite(dst);
    if (pop) f.pop();
    return;
  }
  if (arith(f, op, dst, src, dst) && pop) f.pop();
}

/** FCOM-style compare of ST(0) with slot `b` (or ST(i) when b < 8), popping `pops` times. */
function com(f: Fpu, b: number, quiet: boolean, pops: number): void {
  const a = f.top;
  const r = f.empty[a] || (b < 8 && f.empty[b]) ? compareUnderflow(f) : compare(f, a, b, quiet);
  if (!setCC(f, r)) return;
  for (let k = 0; k < pops; k++) f.pop();
}

/** FCOMI-style compare of ST(0) with ST(i) into EFLAGS. */
function comi(cpu: Cpu, i: number, quiet: boolean, pop: boolean): void {
  const f = cpu.fpu;
  const a = f.top;
  const b = f.phys(i);
  const r = f.empty[a] || f.empty[b] ? compareUnderflow(f) : compare(f, a, b, quiet);
  if (setEflags(cpu, r) && pop) f.pop();
}

/** Memory-operand arithmetic and compares of D8/DC/DA/DE, with the operand loader. */
function arithGroup(t: Escape, load: (cpu: Cpu, i: Insn, off: number) => void): void {
  for (const op of [ArOp.ADD, ArOp.MUL, ArOp.SUB, ArOp.SUBR, ArOp.DIV, ArOp.DIVR]) {
    t.m(op, (cpu, i, off) => {
      load(cpu, i, off);
      arithMem(cpu.fpu, op);
    });
  }
  t.m(2, (cpu, i, off) => {
    load(cpu, i, off);
    com(cpu.fpu, OPND, false, 0);
  });
  t.m(3, (cpu, i, off) => {
    load(cpu, i, off);
    com(cpu.fpu, OPND, false, 1);
  });
}

function loadReal4(cpu: Cpu, i: Insn, off: number): void {
  fromReal4(cpu.fpu, OPND, cpu.read32(i.seg, off), true);
}

function loadReal8(cpu: Cpu, i: Insn, off: number): void {
  const lo = cpu.read32(i.seg, off);
  fromReal8(cpu.fpu, OPND, cpu.read32(i.seg, off + 4), lo, true);
}

function loadInt32(cpu: Cpu, i: Insn, off: number): void {
  cpu.fpu.set(OPND, cpu.read32(i.seg, off) | 0);
}

function loadInt16(cpu: Cpu, i: Insn, off: number): void {
  cpu.fpu.set(OPND, (cpu.read16(i.seg, off) << 16) >> 16);
}

// --- the eight escape bytes ---------------------------------------------------------

function escD8(): Escape {
  const t = new Escape();
  arithGroup(t, loadReal4);
  for (const op of [ArOp.ADD, ArOp.MUL, ArOp.SUB, ArOp.SUBR, ArOp.DIV, ArOp.DIVR]) {
    t.r(op, -1, (cpu, i) => arithRegs(cpu.fpu, op, cpu.fpu.top, cpu.fpu.phys(i.rm), false));
  }
  t.r(2, -1, (cpu, i) => com(cpu.fpu, cpu.fpu.phys(i.rm), false, 0));
  t.r(3, -1, (cpu, i) => com(cpu.fpu, cpu.fpu.phys(i.rm), false, 1));
  return t;
}

function escD9(): Escape {
  const t = new Escape();
  t.m(0, fldReal4);
  t.m(2, (cpu, i, off) => fstReal(cpu, i, off, 4, false));
  t.m(3, (cpu, i, off) => fstReal(cpu, i, off, 4, true));
  t.m(4, fldenv, CONTROL);
  t.m(5, fldcw, CONTROL);
  t.m(6, fnstenv, CONTROL | NOWAIT);
  t.m(7, fnstcw, CONTROL | NOWAIT);
  t.r(0, -1, (cpu, i) => fldReg(cpu.fpu, i.rm));
  t.r(1, -1, (cpu, i) => fxch(cpu.fpu, i.rm));
  t.r(2, 0, () => {}); // FNOP
  t.r(3, -1, (cpu, i) => fstReg(cpu.fpu, i.rm, true)); // FSTP1 alias
  t.r(4, 0, (cpu) => fsign(cpu.fpu, false)); // FCHS
  t.r(4, 1, (cpu) => fsign(cpu.fpu, true)); // FABS
  t.r(4, 4, (cpu) => {
    // FTST: compare with +0.0
    const f = cpu.fpu;
    f.set(OPND, 0);
    com(f, OPND, false, 0);
  });
  t.r(4, 5, (cpu) => fxam(cpu.fpu));
  for (let k = 0; k < 7; k++) t.r(5, k, (cpu) => fldConst(cpu.fpu, k));
  t.r(6, 0, (cpu) => f2xm1(cpu.fpu));
  t.r(6, 1, (cpu) => fyl2x(cpu.fpu));
  t.r(6, 2, (cpu) => fptan(cpu.fpu));
  t.r(6, 3, (cpu) => fpatan(cpu.fpu));
  t.r(6, 4, (cpu) => fxtract(cpu.fpu));
  t.r(6, 5, (cpu) => fprem(cpu.fpu, true));
  t.r(6, 6, (cpu) => rotateTop(cpu.fpu, -1)); // FDECSTP
  t.r(6, 7, (cpu) => rotateTop(cpu.fpu, 1)); // FINCSTP
  t.r(7, 0, (cpu) => fprem(cpu.fpu, false));
  t.r(7, 1, (cpu) => fyl2xp1(cpu.fpu));
  t.r(7, 2, (cpu) => fsqrt(cpu.fpu));
  t.r(7, 3, (cpu) => fsincos(cpu.fpu));
  t.r(7, 4, (cpu) => frndint(cpu.fpu));
  t.r(7, 5, (cpu) => fscale(cpu.fpu));
  t.r(7, 6, (cpu) => fsin(cpu.fpu));
  t.r(7, 7, (cpu) => fcos(cpu.fpu));
  return t;
}

function escDA(): Escape {
  const t = new Escape();
  arithGroup(t, loadInt32);
  for (let cc = 0; cc < 4; cc++) t.r(cc, -1, (cpu, i) => fcmov(cpu, i.rm, cc, false));
  t.r(5, 1, (cpu) => com(cpu.fpu, cpu.fpu.phys(1), true, 2)); // FUCOMPP
  return t;
}

function escDB(): Escape {
  const t = new Escape();
  t.m(0, fildInt32);
  t.m(2, (cpu, i, off) => fist(cpu, i, off, 4, false));
  t.m(3, (cpu, i, off) => fist(cpu, i, off, 4, true));
  t.m(5, fldReal10);
  t.m(7, fstpReal10);
  for (let cc = 0; cc < 4; cc++) t.r(cc, -1, (cpu, i) => fcmov(cpu, i.rm, cc, true));
  // FENI, FDISI and FSETPM do nothing on a 387 and later (SDM vol. 1, 8.3.13).
  t.r(4, 0, () => {}, CONTROL | NOWAIT);
  t.r(4, 1, () => {}, CONTROL | NOWAIT);
  t.r(4, 2, fnclex, CONTROL | NOWAIT);
  t.r(4, 3, (cpu) => cpu.fpu.init(), CONTROL | NOWAIT);
  t.r(4, 4, () => {}, CONTROL | NOWAIT);
  t.r(5, -1, (cpu, i) => comi(cpu, i.rm, true, false)); // FUCOMI
  t.r(6, -1, (cpu, i) => comi(cpu, i.rm, false, false)); // FCOMI
  return t;
}

function escDC(): Escape {
  const t = new Escape();
  arithGroup(t, loadReal8);
  // Register forms: ST(i) := ST(i) op ST(0); the SUB/DIV pairs are swapped against D8.
  for (const op of [ArOp.ADD, ArOp.MUL, ArOp.SUB, ArOp.SUBR, ArOp.DIV, ArOp.DIVR]) {
    const rop = op >= 4 ? op ^ 1 : op;
    t.r(op, -1, (cpu, i) => arithRegs(cpu.fpu, rop, cpu.fpu.phys(i.rm), cpu.fpu.top, false));
  }
  t.r(2, -1, (cpu, i) => com(cpu.fpu, cpu.fpu.phys(i.rm), false, 0)); // FCOM2 alias
  t.r(3, -1, (cpu, i) => com(cpu.fpu, cpu.fpu.phys(i.rm), false, 1)); // FCOMP3 alias
  return t;
}

function escDD(): Escape {
  const t = new Escape();
  t.m(0, fldReal8);
  t.m(2, (cpu, i, off) => fstReal(cpu, i, off, 8, false));
  t.m(3, (cpu, i, off) => fstReal(cpu, i, off, 8, true));
  t.m(4, frstor, CONTROL);
  t.m(6, fnsave, CONTROL | NOWAIT);
  t.m(7, fnstswMem, CONTROL | NOWAIT);
  t.r(0, -1, (cpu, i) => ffree(cpu.fpu, i.rm, false));
  t.r(1, -1, (cpu, i) => fxch(cpu.fpu, i.rm)); // FXCH4 alias
  t.r(2, -1, (cpu, i) => fstReg(cpu.fpu, i.rm, false));
  t.r(3, -1, (cpu, i) => fstReg(cpu.fpu, i.rm, true));
  t.r(4, -1, (cpu, i) => com(cpu.fpu, cpu.fpu.phys(i.rm), true, 0)); // FUCOM
  t.r(5, -1, (cpu, i) => com(cpu.fpu, cpu.fpu.phys(i.rm), true, 1)); // FUCOMP
  return t;
}

function escDE(): Escape {
  const t = new Escape();
  arithGroup(t, loadInt16);
  for (const op of [ArOp.ADD, ArOp.MUL, ArOp.SUB, ArOp.SUBR, ArOp.DIV, ArOp.DIVR]) {
    const rop = op >= 4 ? op ^ 1 : op;
    t.r(op, -1, (cpu, i) => arithRegs(cpu.fpu, rop, cpu.fpu.phys(i.rm), cpu.fpu.top, true));
  }
  t.r(2, -1, (cpu, i) => com(cpu.fpu, cpu.fpu.phys(i.rm), false, 1)); // FCOMP5 alias
  t.r(3, 1, (cpu) => com(cpu.fpu, cpu.fpu.phys(1), false, 2)); // FCOMPP
  return t;
}

function escDF(): Escape {
  const t = new Escape();
  t.m(0, fildInt16);
  t.m(2, (cpu, i, off) => fist(cpu, i, off, 2, false));
  t.m(3, (cpu, i, off) => fist(cpu, i, off, 2, true));
  t.m(4, fbld);
  t.m(5, fildInt64);
  t.m(6, fbstp);
  t.m(7, (cpu, i, off) => fist(cpu, i, off, 8, true));
  t.r(0, -1, (cpu, i) => ffree(cpu.fpu, i.rm, true)); // FFREEP
  t.r(1, -1, (cpu, i) => fxch(cpu.fpu, i.rm)); // FXCH7 alias
  t.r(2, -1, (cpu, i) => fstReg(cpu.fpu, i.rm, true)); // FSTP8 alias
  t.r(3, -1, (cpu, i) => fstReg(cpu.fpu, i.rm, true)); // FSTP9 alias
  t.r(4, 0, fnstswAx, CONTROL | NOWAIT);
  t.r(5, -1, (cpu, i) => comi(cpu, i.rm, true, true)); // FUCOMIP
  t.r(6, -1, (cpu, i) => comi(cpu, i.rm, false, true)); // FCOMIP
  return t;
}

export function installFpu(t: HandlerTable): void {
  const escapes = [escD8(), escD9(), escDA(), escDB(), escDC(), escDD(), escDE(), escDF()];
  for (let k = 0; k < 8; k++) define(t, 0xd8 + k, dispatcher(0xd8 + k, escapes[k]));
  // FWAIT: #NM only when both MP and TS are set; then any pending unmasked exception.
  define(t, 0x9b, (cpu, i) => {
    if (i.prefixes & Pfx.LOCK) throw new CpuFault(Vec.UD);
    if ((cpu.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) throw new CpuFault(Vec.NM);
    if (cpu.fpu.sw & ES) pending(cpu);
  });
}
