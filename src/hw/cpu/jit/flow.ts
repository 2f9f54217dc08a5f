/**
 * How an instruction ends (or does not end) a compiled block.
 *
 * Compiled code runs without looking at interrupts, device time or the
 * processor mode, so a block may only go on past instructions that cannot
 * change any of those. Everything else ends the block, and the dispatcher
 * looks at the machine again before the next instruction, as the
 * interpreter does before every one.
 */
import { type Insn, Pfx } from "../insn.js";

export const enum Flow {
  /** Execution goes on with the next instruction. */
  NEXT = 0,
  /** A near transfer: the block ends, and the next one is wherever EIP now points (maybe in this page). */
  BRANCH = 1,
  /** The block ends and control returns to the dispatcher (mode, interrupt or device state may have changed). */
  LEAVE = 2,
}

/**
 * One-byte opcodes that end a block, beyond the near branches: far
 * transfers, INT/IRET, I/O, HLT, POPF and STI (IF, TF, AC; STI's shadow),
 * MOV SS / POP SS (the shadow), the string I/O instructions.
 */
const LEAVE_1 = [
  0x17, // pop ss
  0x6c,
  0x6d,
  0x6e,
  0x6f, // ins, outs
  0x9a, // call far
  0x9d, // popf
  0xca,
  0xcb,
  0xcc,
  0xcd,
  0xce,
  0xcf, // retf, int3, int, into, iret
  0xe4,
  0xe5,
  0xe6,
  0xe7,
  0xea,
  0xec,
  0xed,
  0xee,
  0xef, // in, out, jmp far
  0xf1, // int1
  0xf4, // hlt
  0xfb, // sti
];

/**
 * Two-byte opcodes that end a block: descriptor tables (group 6, whose
 * LLDT and LTR end it too, is decided in `flowOf`), CLTS, moves to control
 * and debug registers, WRMSR, SYSENTER, SYSEXIT, RSM. Moves from control
 * and debug registers change a general register only.
 */
const LEAVE_2 = [0x01, 0x06, 0x22, 0x23, 0x30, 0x34, 0x35, 0xaa];

const BRANCH_1 = [0xc2, 0xc3, 0xe0, 0xe1, 0xe2, 0xe3, 0xe8, 0xe9, 0xeb];

const FLOW = new Uint8Array(512);
for (let op = 0x70; op <= 0x7f; op++) FLOW[op] = Flow.BRANCH;
for (let op = 0x180; op <= 0x18f; op++) FLOW[op] = Flow.BRANCH;
for (const op of BRANCH_1) FLOW[op] = Flow.BRANCH;
for (const op of LEAVE_1) FLOW[op] = Flow.LEAVE;
for (const op of LEAVE_2) FLOW[0x100 | op] = Flow.LEAVE;

export function flowOf(i: Insn): Flow {
  // A repeated string instruction may stop early and resume on the next
  // step (EIP left on itself): it branches to itself or to the next one.
  if (isRepString(i)) return Flow.BRANCH;
  // MOV to ES, DS, FS or GS goes on, as POP DS does (compiled code checks that flat segments
  // stay flat); MOV to SS ends the block for its interrupt shadow (to CS, or past GS, it is #UD).
  if (i.op === 0x8e) return i.reg === 0 || (i.reg >= 3 && i.reg <= 5) ? Flow.NEXT : Flow.LEAVE;
  // Group 6: SLDT, STR, VERR and VERW read descriptor state or set ZF (VERW runs on every return
  // to user mode in Linux, clearing CPU buffers); LLDT and LTR load it.
  if (i.op === 0x100) return i.reg === 2 || i.reg === 3 ? Flow.LEAVE : Flow.NEXT;
  if (i.op === 0xff) {
    // Group 5: /2 call near and /4 jmp near are branches, /3 and /5 far.
    if (i.reg === 2 || i.reg === 4) return Flow.BRANCH;
    if (i.reg === 3 || i.reg === 5) return Flow.LEAVE;
    return Flow.NEXT;
  }
  return FLOW[i.op];
}

/** Jcc rel8 (70+cc) or rel16/32 (0F 80+cc). */
export function isJcc(i: Insn): boolean {
  return (i.op >= 0x70 && i.op <= 0x7f) || (i.op >= 0x180 && i.op <= 0x18f);
}

export function isRepString(i: Insn): boolean {
  const op = i.op;
  return (i.prefixes & (Pfx.REP | Pfx.REPNE)) !== 0 && ((op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf));
}

/**
 * The EIPs a near branch may go to that are known statically, given `next`,
 * the EIP after it: the target, and the fall-through where execution can
 * continue there (after a CALL, the return address). Indirect targets are
 * unknown and not listed.
 */
export function branchTargets(i: Insn, next: number): number[] {
  const op = i.op;
  if (isRepString(i)) return [next - i.len, next];
  const wrap = (t: number): number => (i.opsize === 2 ? t & 0xffff : t >>> 0);
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3)) return [wrap(next + ((i.imm << 24) >> 24)), next];
  if (op === 0xeb) return [wrap(next + ((i.imm << 24) >> 24))];
  const rel = i.opsize === 2 ? (i.imm << 16) >> 16 : i.imm | 0;
  if (op >= 0x180 && op <= 0x18f) return [wrap(next + rel), next];
  if (op === 0xe8) return [wrap(next + rel), next];
  if (op === 0xe9) return [wrap(next + rel)];
  if (op === 0xff && i.reg === 2) return [next];
  return [];
}

/** Instructions that read the time (generated code charges what ran before them first): RDTSC, RDMSR, RDPMC. */
export function observesTime(i: Insn): boolean {
  return i.op === 0x131 || i.op === 0x132 || i.op === 0x133;
}
