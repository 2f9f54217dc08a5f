/**
 * Inline forms: JavaScript for the commonest register-only instructions,
 * so that compiled code does not call their handlers. Every form here is
 * the handler's semantics specialised to one decoded instruction (its
 * registers, sizes and immediates are constants), and the flags are
 * recorded with the same lazy-flag functions the handlers use. The
 * conformance vectors and the engine-comparison tests run both engines on
 * the same code and require identical state and cycles.
 *
 * An instruction with a memory operand, a 16- or 8-bit operand, or any
 * other form is left to its handler. None of the forms here can fault.
 *
 * Flags: within a block, an instruction whose flags are overwritten by a
 * later one before anything reads them does not record them (`flagsLive`).
 */
import { type Insn, Pfx } from "../insn.js";
import { AluOp } from "../ops/alu.js";

/** How an instruction uses the six arithmetic flags, for the liveness pass. */
export const enum FlagUse {
  /** Neither reads nor writes them (moves, LEA, jumps). */
  NONE = 0,
  /** Writes all six without reading them. */
  WRITES = 1,
  /** Reads them (or may: every handler is assumed to). */
  READS = 2,
}

/** The expression for the result of ALU operation `op` on unsigned 32-bit `a` and `b` (not ADC/SBB). */
const ALU32: Record<number, string> = {
  [AluOp.ADD]: "(a + b) >>> 0",
  [AluOp.OR]: "(a | b) >>> 0",
  [AluOp.AND]: "(a & b) >>> 0",
  [AluOp.SUB]: "(a - b) >>> 0",
  [AluOp.XOR]: "(a ^ b) >>> 0",
  [AluOp.CMP]: "(a - b) >>> 0",
};

/** The lazy-flag record of ALU operation `op` (flags.ts). */
function aluFlags(op: number): string {
  if (op === AluOp.ADD) return "lazyAdd(cpu, a, b, res, 4);";
  if (op === AluOp.SUB || op === AluOp.CMP) return "lazySub(cpu, a, b, res, 4);";
  return "lazyLogic(cpu, res, 4);";
}

/** ALU `op` with destination register `dst` and source expression `src` (unsigned 32-bit). */
function alu(op: number, dst: number, src: string, flagsLive: boolean): string | null {
  const value = ALU32[op];
  if (value === undefined) return null;
  let s = `a = r[${dst}] >>> 0; b = ${src}; res = ${value};`;
  if (op !== AluOp.CMP) s += ` r[${dst}] = res;`;
  if (flagsLive) s += ` ${aluFlags(op)}`;
  return s;
}

/** Operand size 32 and no prefixes that change meaning (LOCK on a register form is #UD at decode). */
function plain32(i: Insn): boolean {
  return i.opsize === 4 && (i.prefixes & Pfx.LOCK) === 0;
}

/** The ALU operation and the kind of form (r/m,reg / reg,r/m / eAX,imm / group 1), or null. */
function aluForm(i: Insn): { op: number; dst: number; src: string } | null {
  const op = i.op;
  if (op < 0x40 && (op & 7) <= 5) {
    const k = op >> 3;
    switch (op & 7) {
      case 1:
        return i.mod === 3 ? { op: k, dst: i.rm, src: `r[${i.reg}] >>> 0` } : null;
      case 3:
        return i.mod === 3 ? { op: k, dst: i.reg, src: `r[${i.rm}] >>> 0` } : null;
      case 5:
        return { op: k, dst: 0, src: String(i.imm >>> 0) };
      default:
        return null;
    }
  }
  if ((op === 0x81 || op === 0x83) && i.mod === 3) {
    const imm = op === 0x83 ? ((i.imm << 24) >> 24) >>> 0 : i.imm >>> 0;
    return { op: i.reg, dst: i.rm, src: String(imm) };
  }
  return null;
}

/** The flag use of `i` when it is compiled inline, or READS when it is left to its handler. */
export function flagUse(i: Insn): FlagUse {
  if (!plain32(i)) return FlagUse.READS;
  const op = i.op;
  const f = aluForm(i);
  if (f) return ALU32[f.op] === undefined ? FlagUse.READS : FlagUse.WRITES;
  if ((op === 0x85 && i.mod === 3) || op === 0xa9) return FlagUse.WRITES;
  if (op >= 0x40 && op <= 0x4f) return FlagUse.READS; // INC/DEC keep CF: the previous state must be recorded
  if (((op === 0x89 || op === 0x8b) && i.mod === 3) || (op >= 0xb8 && op <= 0xbf)) return FlagUse.NONE;
  if (op === 0x8d && i.adsize === 4 && i.mod !== 3) return FlagUse.NONE;
  return FlagUse.READS;
}

/** The effective address of a 32-bit ModRM memory operand, as a JavaScript expression. */
function ea32(i: Insn): string {
  let s = String(i.disp | 0);
  if (i.base >= 0) s += ` + r[${i.base}]`;
  if (i.index >= 0) s += i.scale ? ` + (r[${i.index}] << ${i.scale})` : ` + r[${i.index}]`;
  return `(${s}) | 0`;
}

/** Inline JavaScript for `i` (not a branch), or null for its handler. */
export function inlineForm(i: Insn, flagsLive: boolean): string | null {
  if (!plain32(i)) return null;
  const op = i.op;
  const f = aluForm(i);
  if (f) return alu(f.op, f.dst, f.src, flagsLive);
  if (op === 0x85 && i.mod === 3) return `res = (r[${i.rm}] & r[${i.reg}]) >>> 0;${flagsLive ? " lazyLogic(cpu, res, 4);" : ""}`;
  if (op === 0xa9) return `res = (r[0] & ${i.imm | 0}) >>> 0;${flagsLive ? " lazyLogic(cpu, res, 4);" : ""}`;
  if (op >= 0x40 && op <= 0x4f) {
    const n = op & 7;
    const dec = op >= 0x48;
    return `a = r[${n}] >>> 0; res = (a ${dec ? "-" : "+"} 1) >>> 0; r[${n}] = res; lazyIncDec(cpu, a, res, 4, ${dec});`;
  }
  if (op === 0x89 && i.mod === 3) return `r[${i.rm}] = r[${i.reg}];`;
  if (op === 0x8b && i.mod === 3) return `r[${i.reg}] = r[${i.rm}];`;
  if (op >= 0xb8 && op <= 0xbf) return `r[${op & 7}] = ${i.imm | 0};`;
  if (op === 0x8d && i.adsize === 4 && i.mod !== 3) return `r[${i.reg}] = ${ea32(i)};`;
  return null;
}

/**
 * A near branch whose targets (as page offsets, from `next`, the offset
 * after it) are both in the page: JavaScript that sets `label` to where
 * execution goes. Null: the handler does it.
 */
export function inlineBranch(i: Insn, next: number): string | null {
  const op = i.op;
  const rel8 = (i.imm << 24) >> 24;
  const inPage = (t: number): boolean => t >= 0 && t < 0x1000;
  if (i.opsize !== 4) return null;
  if (op >= 0x70 && op <= 0x7f) {
    const t = next + rel8;
    return inPage(t) && inPage(next) ? `label = testCC(cpu, ${op & 15}) ? ${t} : ${next};` : null;
  }
  if (op >= 0x180 && op <= 0x18f) {
    const t = next + (i.imm | 0);
    return inPage(t) && inPage(next) ? `label = testCC(cpu, ${op & 15}) ? ${t} : ${next};` : null;
  }
  if (op === 0xeb || op === 0xe9) {
    const t = next + (op === 0xeb ? rel8 : i.imm | 0);
    return inPage(t) ? `label = ${t};` : null;
  }
  return null;
}
