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
  const op0 = i.op;
  if ((op0 === 0x88 || op0 === 0x8a || (op0 >= 0xb0 && op0 <= 0xb7)) && !(i.prefixes & Pfx.LOCK)) return FlagUse.NONE;
  if ((op0 === 0x89 || op0 === 0x8b) && i.opsize === 2 && !(i.prefixes & Pfx.LOCK)) return FlagUse.NONE;
  if (writesEveryFlagNarrow(i) && !(i.prefixes & Pfx.LOCK)) return FlagUse.WRITES;
  if (!plain32(i)) return FlagUse.READS;
  const op = i.op;
  const f = aluForm(i);
  if (f) return ALU32[f.op] === undefined ? FlagUse.READS : FlagUse.WRITES;
  if ((op === 0x85 && i.mod === 3) || op === 0xa9) return FlagUse.WRITES;
  // INC/DEC keep CF and write the rest: the flags before them are live exactly when those after
  // are (conservatively all of them); where none are, nothing needs their record or CF's.
  if (op >= 0x40 && op <= 0x4f) return FlagUse.NONE;
  // IMUL sets CF, OF and AF and records SF, ZF, PF from its result (muldiv.ts); a shift by a
  // count that is not 0 sets CF and OF, clears AF and records the rest (shift.ts).
  if (op === 0x1af || op === 0x69 || op === 0x6b) return FlagUse.WRITES;
  if (op === 0xf7 && i.reg === 3) return FlagUse.WRITES; // NEG: the flags of 0 − value
  if (isShiftByConstant(i)) return FlagUse.WRITES;
  if (((op === 0x89 || op === 0x8b) && i.mod === 3) || (op >= 0xb8 && op <= 0xbf)) return FlagUse.NONE;
  if (op === 0x8d && i.adsize === 4 && i.mod !== 3) return FlagUse.NONE;
  // Loads, stores, PUSH/POP and MOVZX leave the flags alone (their handlers too, when they run instead).
  if ((op === 0x8b || op === 0x89 || (op === 0xc7 && i.reg === 0)) && i.adsize === 4) return FlagUse.NONE;
  if ((op >= 0x50 && op <= 0x5f) || op === 0x1b6 || op === 0x1b7) return FlagUse.NONE;
  if (op === 0xf7 && i.reg === 2) return FlagUse.NONE; // NOT
  // ROL and ROR write CF and OF only, so the flags before them stay live exactly when those after are;
  // where those after are dead, nothing reads the CF and OF they write.
  if (rotatesRegister(i)) return FlagUse.NONE;
  // BT, BTS, BTR, BTC write CF only: the same reasoning.
  if (op === 0x1a3 || op === 0x1ab || op === 0x1b3 || op === 0x1bb || (op === 0x1ba && i.reg >= 4)) return FlagUse.NONE;
  // SHLD and SHRD by a count that is not 0 set CF and OF, clear AF and record the rest (shift.ts).
  if ((op === 0x1a4 || op === 0x1ac) && (i.imm & 31) !== 0) return FlagUse.WRITES;
  if ((op >= 0x1c8 && op <= 0x1cf) || op === 0x1be || op === 0x1bf) return FlagUse.NONE; // BSWAP, MOVSX
  if (op === 0x68 || op === 0x6a || (op === 0xff && i.reg === 6) || (op === 0xc6 && i.reg === 0)) return FlagUse.NONE; // PUSH, MOV Eb,Ib
  if (op === 0x90 || (op >= 0x119 && op <= 0x11f)) return FlagUse.NONE; // NOPs
  const string = singleStringOp(i);
  if (string === 0xae) return FlagUse.WRITES; // SCAS: the flags of a compare
  if (string !== 0) return FlagUse.NONE; // MOVS, STOS, LODS
  return FlagUse.READS;
}

/**
 * Byte compares and tests, and the byte ALU operations other than ADC and
 * SBB, and the same of 16-bit operands: their handlers set every
 * arithmetic flag from their own operands and result, reading none (CMP
 * r/m8 with an immediate follows many a DEC in the kernel's decompressor).
 */
function writesEveryFlagNarrow(i: Insn): boolean {
  const op = i.op;
  if (op & 1 && i.opsize !== 2) return false;
  const low = op & ~1;
  if (low === 0x38 || low === 0x3a || low === 0x3c || low === 0x84 || low === 0xa8) return true;
  if (op === 0x80 || op === 0x82 || op === 0x81 || op === 0x83) return i.reg !== 2 && i.reg !== 3;
  return low === 0xf6 && i.reg <= 1;
}

/** ROL or ROR (C1, D1, D3 /0 /1) of a register. */
export function rotatesRegister(i: Insn): boolean {
  return (i.op === 0xc1 || i.op === 0xd1 || i.op === 0xd3) && i.mod === 3 && i.reg <= 1;
}

/** MOVS, STOS, LODS or SCAS without a repeat prefix: its byte opcode (A4, AA, AC, AE), else 0. */
export function singleStringOp(i: Insn): number {
  const kind = i.op & ~1;
  if (i.prefixes & (Pfx.REP | Pfx.REPNE)) return 0;
  return kind === 0xa4 || kind === 0xaa || kind === 0xac || kind === 0xae ? kind : 0;
}

/** SHL, SHR, SAR (or SAL) by an immediate or by 1, with a count that is not 0 once masked. */
function isShiftByConstant(i: Insn): boolean {
  const op = i.op;
  if (i.reg < 4 || i.reg === 6) return false;
  if (op === 0xd0 || op === 0xd1) return true;
  return (op === 0xc0 || op === 0xc1) && (i.imm & 31) !== 0;
}

/** The sum making the effective address of a 32-bit ModRM memory operand (to be wrapped to 32 bits). */
function eaSum(i: Insn): string {
  let s = String(i.disp | 0);
  if (i.base >= 0) s += ` + r[${i.base}]`;
  if (i.index >= 0) s += i.scale ? ` + (r[${i.index}] << ${i.scale})` : ` + r[${i.index}]`;
  return s;
}

/**
 * Memory on the fast path: an aligned access to RAM through a segment whose
 * limit and type allow it and a TLB entry that already grants it (the same
 * checks, in the same order, the handler's access makes, without their side
 * effects). Anything else runs the handler (`CALL`), which makes the access
 * in full: walks, faults, devices, stores over code.
 *
 * Locals of the generated function: `o` offset, `l` linear address, `e` TLB
 * entry, `p` physical address; `T` the active TLB, `RD`/`WR` the T_* bits a
 * read/write needs at the compiled CPL, `CP` the code-page map.
 */
const CALL = "CALL";

function readGuard(seg: number, offset: string, size: number): string {
  const align = size > 1 ? ` && (l & ${size - 1}) === 0` : "";
  return `(o = ${offset}) >= RLO[${seg}] && o + ${size - 1} <= RHI[${seg}] && ((l = (SB[${seg}] + o) | 0), (e = T[l >>> 12]) & RD) === RD${align}`;
}

function writeGuard(seg: number, offset: string, size: number): string {
  const align = size > 1 ? ` && (l & ${size - 1}) === 0` : "";
  return `(o = ${offset}) >= WLO[${seg}] && o + ${size - 1} <= WHI[${seg}] && ((l = (SB[${seg}] + o) | 0), (e = T[l >>> 12]) & WR) === WR${align} && CP[(p = (e & -4096) | (l & 4095)) >>> 12] === 0`;
}

const PHYS = "((e & -4096) | (l & 4095))";

/** `i`'s memory operand as an unsigned offset expression (32-bit addressing only), or null. */
function memOffset(i: Insn): string | null {
  return i.adsize === 4 && i.mod !== 3 ? `(${eaSum(i)}) >>> 0` : null;
}

/** Memory forms of 32-bit moves, loads into ALU operations, PUSH/POP and MOVZX. */
function memoryForm(i: Insn, flagsLive: boolean): string | null {
  const op = i.op;
  const at = memOffset(i);
  if (op === 0x8b && at) return `if (${readGuard(i.seg, at, 4)}) r[${i.reg}] = M32[${PHYS} >> 2]; else { ${CALL} }`;
  if (op === 0x89 && at) return `if (${writeGuard(i.seg, at, 4)}) M32[p >> 2] = r[${i.reg}]; else { ${CALL} }`;
  if (op === 0xc7 && at && i.reg === 0) return `if (${writeGuard(i.seg, at, 4)}) M32[p >> 2] = ${i.imm | 0}; else { ${CALL} }`;
  if (op < 0x40 && (op & 7) === 3 && at && ALU32[op >> 3] !== undefined) {
    const body = alu(op >> 3, i.reg, `M32[${PHYS} >> 2] >>> 0`, flagsLive);
    return `if (${readGuard(i.seg, at, 4)}) { ${body} } else { ${CALL} }`;
  }
  if (op === 0x39 && at) {
    const flags = flagsLive ? " lazySub(cpu, a, b, res, 4);" : "";
    return `if (${readGuard(i.seg, at, 4)}) { a = M32[${PHYS} >> 2] >>> 0; b = r[${i.reg}] >>> 0; res = (a - b) >>> 0;${flags} } else { ${CALL} }`;
  }
  if (op === 0x1b6 || op === 0x1b7) {
    const size = op === 0x1b6 ? 1 : 2;
    if (i.mod === 3) return size === 1 ? `r[${i.reg}] = R8[${((i.rm & 3) << 2) | (i.rm >> 2)}];` : `r[${i.reg}] = R16[${i.rm << 1}];`;
    if (!at) return null;
    const load = size === 1 ? `M8[${PHYS}]` : `M16[${PHYS} >> 1]`;
    return `if (${readGuard(i.seg, at, size)}) r[${i.reg}] = ${load}; else { ${CALL} }`;
  }
  if (op >= 0x50 && op <= 0x57)
    return `if (cpu.ssBig && ${writeGuard(2, "(r[4] - 4) >>> 0", 4)}) { M32[p >> 2] = r[${op & 7}]; r[4] = o; } else { ${CALL} }`;
  if (op >= 0x58 && op <= 0x5f)
    return `if (cpu.ssBig && ${readGuard(2, "r[4] >>> 0", 4)}) { a = M32[${PHYS} >> 2]; r[4] = o + 4; r[${op & 7}] = a; } else { ${CALL} }`;
  return null;
}

/** The index of 8-bit register `reg` (AL..BH) in `cpu.regs8`. */
function reg8(reg: number): number {
  return ((reg & 3) << 2) | (reg >> 2);
}

/** Moves of 8- and 16-bit operands (no flags, no prefixes beyond the operand size). */
function narrowMove(i: Insn): string | null {
  if (i.prefixes & (Pfx.LOCK | Pfx.REP | Pfx.REPNE)) return null;
  const op = i.op;
  if (op === 0x88 && i.mod === 3) return `R8[${reg8(i.rm)}] = R8[${reg8(i.reg)}];`;
  if (op === 0x8a && i.mod === 3) return `R8[${reg8(i.reg)}] = R8[${reg8(i.rm)}];`;
  if (op >= 0xb0 && op <= 0xb7) return `R8[${reg8(op & 7)}] = ${i.imm & 0xff};`;
  const at = memOffset(i);
  if (!at) return null;
  if (op === 0x8a) return `if (${readGuard(i.seg, at, 1)}) R8[${reg8(i.reg)}] = M8[${PHYS}]; else { ${CALL} }`;
  if (op === 0x88) return `if (${writeGuard(i.seg, at, 1)}) M8[p] = R8[${reg8(i.reg)}]; else { ${CALL} }`;
  if (i.opsize !== 2) return null;
  if (op === 0x8b) return `if (${readGuard(i.seg, at, 2)}) R16[${i.reg << 1}] = M16[${PHYS} >> 1]; else { ${CALL} }`;
  if (op === 0x89) return `if (${writeGuard(i.seg, at, 2)}) M16[p >> 1] = R16[${i.reg << 1}]; else { ${CALL} }`;
  return null;
}

/** 32-bit register shifts by an immediate count and IMUL r32, r32, when nothing reads their flags. */
function flaglessForm(i: Insn): string | null {
  const op = i.op;
  if ((op === 0xc1 || op === 0xd1) && i.mod === 3) {
    const count = (op === 0xd1 ? 1 : i.imm) & 31;
    const n = i.rm;
    if (count === 0) return ""; // no change at all, flags included
    if (i.reg === 4) return `r[${n}] = r[${n}] << ${count};`;
    if (i.reg === 5) return `r[${n}] = r[${n}] >>> ${count};`;
    if (i.reg === 7) return `r[${n}] = r[${n}] >> ${count};`;
    return null;
  }
  if (op === 0x1af && i.mod === 3) return `r[${i.reg}] = Math.imul(r[${i.reg}], r[${i.rm}]);`;
  return null;
}

/**
 * Group 2 shifts and rotates of a register, by 1, CL or an immediate: the
 * semantics function `shift` (ops/shift.ts) on the register's value.
 */
function registerShift(i: Insn): string | null {
  const op = i.op;
  if (i.mod !== 3 || !(op === 0xc0 || op === 0xc1 || (op >= 0xd0 && op <= 0xd3))) return null;
  const size = op & 1 ? i.opsize : 1;
  const count = op === 0xc0 || op === 0xc1 ? String(i.imm & 31) : op <= 0xd1 ? "1" : "(R8[4] & 31)";
  const reg = size === 4 ? `r[${i.rm}]` : size === 2 ? `R16[${i.rm << 1}]` : `R8[${reg8(i.rm)}]`;
  const value = size === 4 ? `${reg} >>> 0` : reg;
  return `${reg} = shift(cpu, ${i.reg}, ${value}, ${count}, ${size});`;
}

/** Read-modify-write ALU operations and INC/DEC on a 32-bit memory operand, and CMP with an immediate. */
function memoryAlu(i: Insn, flagsLive: boolean): string | null {
  const op = i.op;
  const at = memOffset(i);
  if (!at) return null;
  const word = `M32[p >> 2]`;
  if (op < 0x40 && (op & 7) === 1 && ALU32[op >> 3] !== undefined) {
    const k = op >> 3;
    const store = k === AluOp.CMP ? "" : ` ${word} = res;`;
    const flags = flagsLive ? ` ${aluFlags(k)}` : "";
    const guard = k === AluOp.CMP ? `${readGuard(i.seg, at, 4)} && ((p = ${PHYS}), true)` : writeGuard(i.seg, at, 4);
    return `if (${guard}) { a = ${word} >>> 0; b = r[${i.reg}] >>> 0; res = ${ALU32[k]};${store}${flags} } else { ${CALL} }`;
  }
  if ((op === 0x81 || op === 0x83) && i.reg === AluOp.CMP) {
    const imm = op === 0x83 ? ((i.imm << 24) >> 24) >>> 0 : i.imm >>> 0;
    const flags = flagsLive ? " lazySub(cpu, a, b, res, 4);" : "";
    return `if (${readGuard(i.seg, at, 4)}) { a = M32[${PHYS} >> 2] >>> 0; b = ${imm}; res = (a - b) >>> 0;${flags} } else { ${CALL} }`;
  }
  if (op === 0xff && (i.reg === 0 || i.reg === 1)) {
    const dec = i.reg === 1;
    return `if (${writeGuard(i.seg, at, 4)}) { a = ${word} >>> 0; res = (a ${dec ? "-" : "+"} 1) >>> 0; ${word} = res; lazyIncDec(cpu, a, res, 4, ${dec}); } else { ${CALL} }`;
  }
  return null;
}

/** Inline JavaScript for `i` (not a branch), or null for its handler. */
export function inlineForm(i: Insn, flagsLive: boolean): string | null {
  const narrow = narrowMove(i);
  if (narrow !== null) return narrow;
  const shifted = registerShift(i); // any operand size
  if (shifted !== null) return shifted;
  if (!plain32(i)) return null;
  if (!flagsLive) {
    const flagless = flaglessForm(i);
    if (flagless !== null) return flagless;
  }
  if (i.op === 0xf7 && i.mod === 3 && i.reg === 2) return `r[${i.rm}] = ~r[${i.rm}];`; // NOT changes no flags
  if (i.op === 0x84 && i.mod === 3) {
    return `res = R8[${reg8(i.rm)}] & R8[${reg8(i.reg)}];${flagsLive ? " lazyLogic(cpu, res, 1);" : ""}`;
  }
  const rmw = memoryAlu(i, flagsLive);
  if (rmw !== null) return rmw;
  const op = i.op;
  const f = aluForm(i);
  if (f) return alu(f.op, f.dst, f.src, flagsLive);
  if (op === 0x85 && i.mod === 3) return `res = (r[${i.rm}] & r[${i.reg}]) >>> 0;${flagsLive ? " lazyLogic(cpu, res, 4);" : ""}`;
  if (op === 0xa9) return `res = (r[0] & ${i.imm | 0}) >>> 0;${flagsLive ? " lazyLogic(cpu, res, 4);" : ""}`;
  if (op >= 0x40 && op <= 0x4f) {
    const n = op & 7;
    const dec = op >= 0x48;
    return `a = r[${n}] >>> 0; res = (a ${dec ? "-" : "+"} 1) >>> 0; r[${n}] = res;${flagsLive ? ` lazyIncDec(cpu, a, res, 4, ${dec});` : ""}`;
  }
  if (op === 0x89 && i.mod === 3) return `r[${i.rm}] = r[${i.reg}];`;
  if (op === 0x8b && i.mod === 3) return `r[${i.reg}] = r[${i.rm}];`;
  if (op >= 0xb8 && op <= 0xbf) return `r[${op & 7}] = ${i.imm | 0};`;
  if (op === 0x8d && i.adsize === 4 && i.mod !== 3) return `r[${i.reg}] = (${eaSum(i)}) | 0;`;
  return memoryForm(i, flagsLive);
}

/** Whether an inline form falls back to the handler (then it may fault, and the engine must know where). */
export function callsHandler(form: string): boolean {
  return form.includes(CALL);
}

/** The inline form with its fallback made a call of `call`. */
export function withCall(form: string, call: string): string {
  return form.replaceAll(CALL, call);
}

/**
 * What a register-only compare or logical instruction leaves in the locals
 * `a`, `b`, `res`, for a Jcc right after it. The WebAssembly back end's
 * only (wasm/forms.ts `produced`): "incdec", INC or DEC, and "add", ADD,
 * their result in `res` (and ADD's destination in `a`); the 8- and 16-bit
 * compares and logical operations, operands and result zero-extended.
 */
export type Producer = "sub" | "logic" | "incdec" | "add" | "sub8" | "sub16" | "logic8" | "logic16";

/** The kind of `i`'s result when it is compiled inline with no handler fallback, or null. */
export function producerOf(i: Insn): Producer | null {
  if (!plain32(i)) return null;
  const f = aluForm(i);
  if (f && (i.mod === 3 || i.op < 0x40)) {
    if (f.op === AluOp.SUB || f.op === AluOp.CMP) return "sub";
    if (f.op === AluOp.AND || f.op === AluOp.OR || f.op === AluOp.XOR) return "logic";
    return null;
  }
  if ((i.op === 0x85 && i.mod === 3) || i.op === 0xa9) return "logic";
  return null;
}

/**
 * Condition `cc` decided straight from the operands of the compare (or the
 * result of the logical operation) just executed, as the manual defines the
 * flags of SUB and of the logical instructions (CF = OF = 0); null where
 * the general `testCC` is used (OF, PF).
 */
function fusedCondition(producer: Producer, cc: number): string | null {
  const sub: (string | null)[] = [
    null,
    null,
    "a < b",
    "a >= b",
    "a === b",
    "a !== b",
    "a <= b",
    "a > b",
    "(res | 0) < 0",
    "(res | 0) >= 0",
    null,
    null,
    "(a | 0) < (b | 0)",
    "(a | 0) >= (b | 0)",
    "(a | 0) <= (b | 0)",
    "(a | 0) > (b | 0)",
  ];
  const logic: (string | null)[] = [
    "false",
    "true",
    "false",
    "true",
    "res === 0",
    "res !== 0",
    "res === 0",
    "res !== 0",
    "(res | 0) < 0",
    "(res | 0) >= 0",
    null,
    null,
    "(res | 0) < 0",
    "(res | 0) >= 0",
    "(res | 0) <= 0",
    "(res | 0) > 0",
  ];
  if (producer !== "sub" && producer !== "logic") return null;
  return (producer === "sub" ? sub : logic)[cc];
}

/**
 * A near branch whose targets (as page offsets, from `next`, the offset
 * after it) are both in the page: JavaScript that sets `label` to where
 * execution goes. Null: the handler does it.
 */
export function inlineBranch(i: Insn, next: number, producer: Producer | null = null): string | null {
  const op = i.op;
  const condition = (cc: number): string => (producer && fusedCondition(producer, cc)) || `testCC(cpu, ${cc})`;
  const rel8 = (i.imm << 24) >> 24;
  const inPage = (t: number): boolean => t >= 0 && t < 0x1000;
  if (i.opsize !== 4) return null;
  if (op >= 0x70 && op <= 0x7f) {
    const t = next + rel8;
    return inPage(t) && inPage(next) ? `label = ${condition(op & 15)} ? ${t} : ${next};` : null;
  }
  if (op >= 0x180 && op <= 0x18f) {
    const t = next + (i.imm | 0);
    return inPage(t) && inPage(next) ? `label = ${condition(op & 15)} ? ${t} : ${next};` : null;
  }
  if (op === 0xeb || op === 0xe9) {
    const t = next + (op === 0xeb ? rel8 : i.imm | 0);
    return inPage(t) ? `label = ${t};` : null;
  }
  // CALL and RET push and pop on the fast path; the handler (`CALL`, then
  // EIP says where it went) takes every other case, faults included.
  if (op === 0xe8) {
    const t = next + (i.imm | 0);
    if (!inPage(t)) return null;
    return `if (cpu.ssBig && ${writeGuard(2, "(r[4] - 4) >>> 0", 4)}) { M32[p >> 2] = B + ${next}; r[4] = o; label = ${t}; } else { ${CALL} label = cpu.eip - B; }`;
  }
  if (op === 0xc3) {
    return `if (cpu.ssBig && ${readGuard(2, "r[4] >>> 0", 4)} && (label = (M32[${PHYS} >> 2] >>> 0) - B) >= 0 && label < 4096) { r[4] = o + 4; } else { ${CALL} label = cpu.eip - B; }`;
  }
  return null;
}
