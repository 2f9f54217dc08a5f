/**
 * Decoded instructions packed into 32-bit words, for the threaded tier.
 *
 * An `Insn` is a 168-byte object (18 fields of 8 bytes, plus a separate
 * box for an immediate above 2^31) somewhere in the heap. Kernel code that
 * runs a few times per system call, too seldom to compile, reaches each of
 * them after a cache miss: CPU profiles of the fork+exec loop put most of
 * the threaded tier's time on the first load from each instruction, and
 * padding `Insn` with 160 bytes more made kernel initialisation about 8%
 * and that loop 4-20% slower. Packed, an instruction is 20 bytes, and a
 * block's instructions lie one after another in one array, so a block
 * costs a miss or two and the processor's prefetcher does the rest. The
 * runner does the commonest instructions straight from the words (`Fast`)
 * and unpacks the others into one scratch `Insn` for their handlers, which
 * stays in the first-level cache.
 *
 * Words per instruction (WORDS):
 *   0: len 0-3, op 4-12, big 13, opsize is 4: 14, adsize is 4: 15,
 *      prefixes 16-21, seg 22-24, scale 25-26, mod 27-28
 *   1: reg 0-2, rm 3-5, base + 1: 6-9, index + 1: 10-13, imm2 14-29
 *   2: disp   3: imm   4: cycles 0-23, fast 24-31
 */
import { type Insn, Pfx } from "../insn.js";
import { isJcc } from "./flow.js";

export const WORDS = 5;

/**
 * Instructions the threaded runner does itself from the packed words,
 * without unpacking them or calling their handler (threaded.ts): the
 * 32-bit moves between registers and memory, LEA, PUSH and POP of a
 * register, MOV of an immediate, the ALU operations, TEST, INC and DEC on
 * registers and immediates (through the handlers' own flag functions), and
 * the near branches that end most blocks (through control.ts's own
 * `jumpTo`, `callNear` and `retNear`): about five sixths of what kernel
 * code runs.
 */
export const enum Fast {
  NONE = 0,
  /** MOV r32, m32 (8B with 32-bit operand and address sizes). */
  LOAD32 = 1,
  /** MOV m32, r32 (89). */
  STORE32 = 2,
  /** LEA r32, m (8D). */
  LEA32 = 3,
  /** MOV r/m32, r32 (89) with a register destination. */
  MOV_TO_RM = 4,
  /** MOV r32, r/m32 (8B) with a register source. */
  MOV_FROM_RM = 5,
  /** PUSH r32 (50+r). */
  PUSH32 = 6,
  /** POP r32 (58+r). */
  POP32 = 7,
  /** ALU r/m32, r32 (01, 09, ... 39) with a register destination. */
  ALU_TO_RM = 8,
  /** ALU r32, r/m32 (03, 0B, ... 3B) with a register source. */
  ALU_FROM_RM = 9,
  /** ALU EAX, imm32 (05, 0D, ... 3D). */
  ALU_EAX = 10,
  /** ALU r32, imm32 (81 with a register operand). */
  ALU_IMM32 = 11,
  /** ALU r32, imm8 sign-extended (83 with a register operand). */
  ALU_IMM8 = 12,
  /** TEST r/m32, r32 (85) with a register operand. */
  TEST_RR = 13,
  /** INC r32, DEC r32 (40+r, 48+r). */
  INC_DEC = 14,
  /** MOV r32, imm32 (B8+r). */
  MOV_IMM = 15,
  /** MOV m32, imm32 (C7 /0 with a memory operand). */
  STORE_IMM32 = 16,
  /** Jcc rel8 (70+cc), Jcc rel32 (0F 80+cc). The branches, JCC to RET, stay together (`isBranch`). */
  JCC = 17,
  /** JMP rel8 (EB), JMP rel32 (E9). */
  JMP = 18,
  /** CALL rel32 (E8). */
  CALL = 19,
  /** RET (C3). */
  RET = 20,
  /** ALU r32, m32 (03, 0B, ... 3B with a memory operand). */
  ALU_FROM_M = 21,
  /** CMP m32, r32 (39), CMP m32, imm32 (81 /7), CMP m32, imm8 sign-extended (83 /7): a memory operand only read. */
  CMP_M = 22,
}

/** A `Fast` kind that reads or sets EIP: the branches, JCC to RET. */
export function isBranch(fast: Fast): boolean {
  return fast >= Fast.JCC && fast <= Fast.RET;
}

/** Cycles fit below the kind in their word. */
const CYCLES_MASK = 0xffffff;

/** The `Fast` kind of the instruction packed at `at`. */
export function fastKind(w: Int32Array, at: number): Fast {
  return w[at + 4] >>> 24;
}

/** The cycles of the instruction packed at `at`. */
export function packedCycles(w: Int32Array, at: number): number {
  return w[at + 4] & CYCLES_MASK;
}

/**
 * The 32-bit effective address of the instruction packed at `at` (one with
 * a 32-bit address size and a memory operand): operands.ts `ea` on the
 * packed fields, as int32 (Cpu `readI32` and `write32` take it so).
 */
export function packedEa(w: Int32Array, at: number, regs: Int32Array): number {
  const a = w[at];
  const b = w[at + 1];
  let off = w[at + 2];
  const base = ((b >>> 6) & 15) - 1;
  const index = ((b >>> 10) & 15) - 1;
  if (base >= 0) off += regs[base];
  if (index >= 0) off += regs[index] << ((a >>> 25) & 3);
  return off | 0;
}

function fastOf(i: Insn): Fast {
  if (i.opsize !== 4 || i.prefixes & Pfx.LOCK) return Fast.NONE;
  const op = i.op;
  if (op >= 0x50 && op <= 0x5f) return op < 0x58 ? Fast.PUSH32 : Fast.POP32;
  if (op < 0x40 && (op & 7) === 5) return Fast.ALU_EAX;
  if (op >= 0x40 && op <= 0x4f) return Fast.INC_DEC;
  if (op >= 0xb8 && op <= 0xbf) return Fast.MOV_IMM;
  if (isJcc(i)) return Fast.JCC;
  if (op === 0xeb || op === 0xe9) return Fast.JMP;
  if (op === 0xe8) return Fast.CALL;
  if (op === 0xc3) return Fast.RET;
  if (i.mod === 3) {
    if (op < 0x40 && (op & 7) === 1) return Fast.ALU_TO_RM;
    if (op < 0x40 && (op & 7) === 3) return Fast.ALU_FROM_RM;
    if (op === 0x81 || op === 0x83) return op === 0x81 ? Fast.ALU_IMM32 : Fast.ALU_IMM8;
    if (op === 0x85) return Fast.TEST_RR;
    return op === 0x89 ? Fast.MOV_TO_RM : op === 0x8b ? Fast.MOV_FROM_RM : Fast.NONE;
  }
  if (i.adsize !== 4) return Fast.NONE;
  if (op === 0xc7 && i.reg === 0) return Fast.STORE_IMM32;
  if (op < 0x40 && (op & 7) === 3) return Fast.ALU_FROM_M;
  if (op === 0x39 || ((op === 0x81 || op === 0x83) && i.reg === 7)) return Fast.CMP_M;
  // MOV EAX, moffs32 and MOV moffs32, EAX: a memory operand of displacement alone, and ModRM.reg 0 (EAX).
  if (op === 0xa1) return Fast.LOAD32;
  if (op === 0xa3) return Fast.STORE32;
  return op === 0x8b ? Fast.LOAD32 : op === 0x89 ? Fast.STORE32 : op === 0x8d ? Fast.LEA32 : Fast.NONE;
}

/** Words in a chunk; a chunk holds about 13,000 instructions. */
const CHUNK = 1 << 16;

/**
 * Where packed blocks are kept: chunks filled one after another. A block
 * keeps its chunk alive; a full chunk is left to the blocks in it (and to
 * the garbage collector once their pages are dropped).
 */
export class PackedStore {
  words = new Int32Array(CHUNK);
  top = 0;

  /** Pack `insns` into the current chunk (a new one if they do not fit); returns their offset in `this.words`. */
  pack(insns: readonly Insn[]): number {
    const n = insns.length * WORDS;
    if (this.top + n > this.words.length) {
      this.words = new Int32Array(Math.max(CHUNK, n));
      this.top = 0;
    }
    const at = this.top;
    for (let k = 0; k < insns.length; k++) packInsn(insns[k], this.words, at + k * WORDS);
    this.top += n;
    return at;
  }
}

export function packInsn(i: Insn, w: Int32Array, at: number): void {
  // Cost profiles charge whole cycles (jit-packed.test.ts checks every profile); the decoder keeps the rest in range.
  if ((i.cycles | 0) !== i.cycles || i.cycles < 0 || i.cycles > CYCLES_MASK || i.imm2 > 0xffff || i.len > 15) {
    throw new Error(`cannot pack opcode ${i.op.toString(16)}: a field is out of range`);
  }
  w[at] =
    i.len |
    (i.op << 4) |
    (i.big ? 1 << 13 : 0) |
    (i.opsize === 4 ? 1 << 14 : 0) |
    (i.adsize === 4 ? 1 << 15 : 0) |
    (i.prefixes << 16) |
    (i.seg << 22) |
    (i.scale << 25) |
    (i.mod << 27);
  w[at + 1] = i.reg | (i.rm << 3) | ((i.base + 1) << 6) | ((i.index + 1) << 10) | (i.imm2 << 14);
  w[at + 2] = i.disp;
  w[at + 3] = i.imm;
  w[at + 4] = i.cycles | (fastOf(i) << 24);
}

/** Fill `out` (all but `eip`) from the instruction packed at `at`. */
export function unpackInsn(w: Int32Array, at: number, out: Insn): void {
  const a = w[at];
  const b = w[at + 1];
  out.len = a & 15;
  out.op = (a >>> 4) & 0x1ff;
  out.big = (a & (1 << 13)) !== 0;
  out.opsize = 2 + ((a >>> 13) & 2);
  out.adsize = 2 + ((a >>> 14) & 2);
  out.prefixes = (a >>> 16) & 0x3f;
  out.seg = (a >>> 22) & 7;
  out.scale = (a >>> 25) & 3;
  out.mod = (a >>> 27) & 3;
  out.reg = b & 7;
  out.rm = (b >>> 3) & 7;
  out.base = ((b >>> 6) & 15) - 1;
  out.index = ((b >>> 10) & 15) - 1;
  out.imm2 = (b >>> 14) & 0xffff;
  out.disp = w[at + 2];
  out.imm = w[at + 3] >>> 0;
  out.cycles = packedCycles(w, at);
}
