/**
 * The first tier: code that is not hot enough to compile runs as threaded
 * blocks, runs of decoded instructions run one after another, most
 * through their handlers.
 *
 * The interpreter does, before every instruction, what only matters
 * between blocks: it looks for a stop, an interrupt, a shadow, HLT, debug
 * traps and gateways, translates EIP and looks the instruction up in the
 * decode cache. A threaded block does those once (the dispatcher's
 * `mustInterpret` and its fetch translation) and then runs its
 * instructions with nothing between them but EIP, the instruction count
 * and the cycles. It may, because it ends where compiled code ends
 * (flow.ts): no instruction inside it can change what those looks test.
 *
 * A block's instructions are kept packed in 32-bit words, one after
 * another (packed.ts). The commonest run straight from the words (the
 * `Fast` kinds); the others are unpacked one at a time into a scratch record:
 * decoded-instruction objects spread over the heap cost more in cache
 * misses, in code that runs too seldom to stay in the cache, than the
 * unpacking does.
 *
 * Like compiled code it runs with `cpu.compiledAccess` set, so an access
 * to a device or a store over decoded code abandons its instruction to the
 * interpreter. Each instruction is charged as it retires, exactly as the
 * interpreter charges it, so a fault needs nothing undone.
 */
import type { Cpu, ExitReason } from "../cpu.js";
import { ABANDON, CpuFault } from "../fault.js";
import { lazyLogic, testCC } from "../flags.js";
import { Insn, readsInsnEip } from "../insn.js";
import { raise } from "../interrupts.js";
import { sext } from "../operands.js";
import { AluOp, alu32, incDec } from "../ops/alu.js";
import { callNear, jumpTo, retNear } from "../ops/control.js";
import { HANDLERS } from "../ops/index.js";
import { branchTargets, Flow, flowOf, isJcc, isRepString } from "./flow.js";
import { Fast, fastKind, isBranch, type PackedStore, packedCycles, packedEa, unpackInsn, WORDS } from "./packed.js";
import type { PageCode } from "./region.js";

export interface ThreadedBlock {
  /** Where its instructions are packed (packed.ts): `count` of them from `at` in `words`. */
  readonly words: Int32Array;
  readonly at: number;
  readonly count: number;
  /** The last instruction is a repeated string instruction (it runs with `compiledAccess` off: see codegen.ts). */
  readonly endsWithRep: boolean;
  /** Some instruction's handler reads `insn.eip`. */
  readonly readsEip: boolean;
}

/** A block as `threadedBlock` builds it. */
export interface BuiltBlock extends ThreadedBlock {
  /** Offsets in the page where the block goes on after a JMP or CALL (control arrives there as at a site). */
  readonly entered: readonly number[];
}

/**
 * The block of `code` from offset `start`, packed into `store`: up to
 * `maxBlock` instructions, ending after the first that is not Flow.NEXT,
 * or at the page's end. Null when the first instruction cannot run from
 * the page.
 *
 * It goes on past a conditional branch (the runner leaves the block where
 * one is taken) and to the target of a JMP or CALL in the page: blocks of
 * kernel code were 4.6 instructions long on average, and the dispatcher
 * cost about as much as a block's instructions (threaded-only kernel
 * initialisation: 55-61 ns an instruction before, 47 after, with
 * `readI32` and `alu32`).
 */
export function threadedBlock(code: PageCode, start: number, maxBlock: number, store: PackedStore): BuiltBlock | null {
  const insns: Insn[] = [];
  const offsets: number[] = [];
  const entered: number[] = [];
  let off = start;
  while (insns.length < maxBlock && off < 0x1000) {
    const i = code.at(off);
    if (i === null) break;
    insns.push(i);
    offsets.push(off);
    off += i.len;
    if (flowOf(i) === Flow.NEXT || isJcc(i)) continue;
    if (!jumpsOn(i)) break;
    const t = branchTargets(i, code.base + off)[0] - code.base;
    if (!(t >= 0 && t < 0x1000) || offsets.includes(t)) break;
    entered.push(t);
    off = t;
  }
  if (insns.length === 0) return null;
  const at = store.pack(insns);
  return {
    words: store.words,
    at,
    count: insns.length,
    endsWithRep: isRepString(insns[insns.length - 1]),
    readsEip: insns.some(readsInsnEip),
    entered,
  };
}

/** JMP rel or CALL rel32 with a 32-bit operand size: a threaded block goes on at its target when that is in the page. */
function jumpsOn(i: Insn): boolean {
  return i.opsize === 4 && (i.op === 0xe8 || i.op === 0xe9 || i.op === 0xeb);
}

/** Runs threaded blocks for a block engine. */
export class ThreadedRunner {
  /** Steps the last `run` took (a faulting instruction counts, an abandoned one does not). */
  taken = 0;
  /** The instruction being run, unpacked. */
  private readonly insn = new Insn();

  constructor(private readonly cpu: Cpu) {}

  /**
   * Run block `b`, which starts at CS:EIP, or its first `n` instructions
   * (where the steps left end inside it: each retires as in the
   * interpreter, so stopping after any of them is exact). Returns null (go
   * on at EIP), an exit, or ABANDON (EIP is on an instruction the
   * interpreter must take).
   *
   * The `Fast` kinds run here, in one switch, what their handlers do
   * (data.ts MOV and LEA, stack.ts PUSH and POP, alu.ts through its own
   * `alu32`, `incDec` and `lazyLogic`, control.ts's near branches). Word 0
   * holds the opcode at bits 4-12 (its low 3 bits name the register of
   * 40+r, 50+r, B8+r...), word 1 ModRM.reg at bits 0-2 and ModRM.rm at bits
   * 3-5 (packed.ts). Registers, offsets and values stay int32 (`readI32`,
   * `alu32`): as unsigned numbers a kernel's would be doubles, boxed at
   * every call V8 does not inline. The switch sits in the loop: as a
   * function of its own it was not inlined, and its call cost as much as
   * some of the instructions.
   */
  run(b: ThreadedBlock, n = b.count): ExitReason | null | typeof ABANDON {
    const cpu = this.cpu;
    const words = b.words;
    const handlers = HANDLERS;
    const i = this.insn;
    // A repeated string instruction (always last) runs with compiledAccess off: its bulk paths
    // store without per-access checks, and report devices and code stores through blockExit.
    const rep = b.endsWithRep ? b.count - 1 : -1;
    const mask = cpu.csBig ? -1 : 0xffff;
    // EIPs as int32 here (kernel EIPs are above 2^31: as unsigned they would be doubles), unsigned in the Cpu.
    let start = cpu.eip | 0;
    let j = 0;
    // The charges of the instructions retired since the last handler: they go to the Cpu before
    // each handler (which may read the time), where the block stops, and at its end.
    let count = 0;
    let cycles = 0;
    /** The last instruction left EIP where it belongs (a handler or a branch ran). */
    let eipSet = true;
    cpu.compiledAccess = true;
    const regs = cpu.regs;
    try {
      for (let at = b.at; j < n; j++, at += WORDS) {
        const a = words[at];
        /** The next instruction's EIP: the fall-through, or where a JMP or CALL inside the block went. */
        let eip = (start + (a & 15)) & mask;
        const fast = fastKind(words, at);
        if (fast === Fast.NONE) {
          cpu.eip = eip >>> 0;
          cpu.instructions += count;
          cpu.cycles += cycles;
          count = 0;
          cycles = 0;
          unpackInsn(words, at, i);
          if (b.readsEip) i.eip = start >>> 0;
          if (j === rep) cpu.compiledAccess = false;
          handlers[i.op](cpu, i);
          eipSet = true;
        } else {
          // What the handler would do, from the packed words (see `Fast`). Only the branches
          // look at EIP (the next instruction's, as a handler would see it).
          eipSet = isBranch(fast);
          if (eipSet) cpu.eip = eip >>> 0;
          const w = words[at + 1];
          const op = (a >>> 4) & 0x1ff;
          const reg = w & 7;
          const rm = (w >>> 3) & 7;
          switch (fast) {
            case Fast.LOAD32:
              regs[reg] = cpu.readI32((a >>> 22) & 7, packedEa(words, at, regs));
              break;
            case Fast.STORE32:
              cpu.write32((a >>> 22) & 7, packedEa(words, at, regs), regs[reg]);
              break;
            case Fast.LEA32:
              regs[reg] = packedEa(words, at, regs);
              break;
            case Fast.MOV_TO_RM:
              regs[rm] = regs[reg];
              break;
            case Fast.MOV_FROM_RM:
              regs[reg] = regs[rm];
              break;
            case Fast.PUSH32:
              cpu.push(regs[op & 7], 4);
              break;
            case Fast.POP32:
              // The pop first: POP ESP leaves the popped value in ESP.
              regs[op & 7] = cpu.popI32();
              break;
            case Fast.MOV_IMM:
              regs[op & 7] = words[at + 3];
              break;
            case Fast.ALU_FROM_M: {
              const src = cpu.readI32((a >>> 22) & 7, packedEa(words, at, regs));
              regs[reg] = alu32(cpu, op >> 3, regs[reg], src);
              break;
            }
            case Fast.CMP_M: {
              const imm = words[at + 3];
              const src = op === 0x39 ? regs[reg] : op === 0x81 ? imm : sext(imm, 1);
              alu32(cpu, AluOp.CMP, cpu.readI32((a >>> 22) & 7, packedEa(words, at, regs)), src);
              break;
            }
            case Fast.STORE_IMM32:
              cpu.write32((a >>> 22) & 7, packedEa(words, at, regs), words[at + 3]);
              break;
            // The branches, with EIP already on the next instruction (a rel8 is packed zero-extended, as decoded).
            case Fast.JCC:
              if (testCC(cpu, op & 15)) jumpTo(cpu, 4, (eip + (op < 0x100 ? sext(words[at + 3], 1) : words[at + 3])) | 0);
              break;
            case Fast.JMP:
              jumpTo(cpu, 4, (eip + (op === 0xeb ? sext(words[at + 3], 1) : words[at + 3])) | 0);
              eip = cpu.eip | 0;
              break;
            case Fast.CALL:
              callNear(cpu, 4, (eip + words[at + 3]) | 0);
              eip = cpu.eip | 0;
              break;
            case Fast.RET:
              retNear(cpu, 4, 0);
              break;
            case Fast.INC_DEC:
              regs[op & 7] = incDec(cpu, regs[op & 7] >>> 0, 4, op >= 0x48);
              break;
            case Fast.TEST_RR:
              lazyLogic(cpu, (regs[rm] & regs[reg]) >>> 0, 4);
              break;
            case Fast.ALU_FROM_RM:
              regs[reg] = alu32(cpu, op >> 3, regs[reg], regs[rm]);
              break;
            case Fast.ALU_EAX:
              regs[0] = alu32(cpu, op >> 3, regs[0], words[at + 3]);
              break;
            default: {
              // ALU r/m32 with a register or an immediate (group 1: the operation is ModRM.reg); CMP writes nothing back.
              const k = fast === Fast.ALU_TO_RM ? op >> 3 : reg;
              const imm = words[at + 3];
              const src = fast === Fast.ALU_TO_RM ? regs[reg] : fast === Fast.ALU_IMM32 ? imm : sext(imm, 1);
              const r = alu32(cpu, k, regs[rm], src);
              if (k !== AluOp.CMP) regs[rm] = r;
            }
          }
        }
        count++;
        cycles += packedCycles(words, at);
        start = eip;
        // A conditional branch inside the block (threadedBlock goes on past them) leaves it where it is taken.
        if (eipSet && cpu.eip !== eip >>> 0) {
          j++;
          break;
        }
      }
    } catch (e) {
      cpu.instructions += count;
      cpu.cycles += cycles;
      cpu.compiledAccess = false;
      this.taken = j;
      if (e === ABANDON) {
        cpu.eip = start >>> 0;
        return ABANDON;
      }
      if (!(e instanceof CpuFault)) throw e;
      this.taken = j + 1;
      if (!e.trap) cpu.eip = start >>> 0;
      return raise(cpu, e);
    }
    cpu.instructions += count;
    cpu.cycles += cycles;
    if (!eipSet) cpu.eip = start >>> 0;
    cpu.compiledAccess = false;
    this.taken = j;
    return null;
  }
}
