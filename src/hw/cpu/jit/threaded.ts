/**
 * The first tier: code that is not hot enough to compile runs as threaded
 * blocks, straight-line runs of decoded instructions whose handlers are
 * called one after another.
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
 * another (packed.ts), and unpacked one at a time into a scratch record:
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
import { lazyLogic } from "../flags.js";
import { Insn, readsInsnEip } from "../insn.js";
import { raise } from "../interrupts.js";
import { AluOp, alu, incDec } from "../ops/alu.js";
import { HANDLERS } from "../ops/index.js";
import { Flow, flowOf, isRepString } from "./flow.js";
import { Fast, type PackedStore, unpackInsn, WORDS } from "./packed.js";
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

/**
 * The block of `code` from offset `start`, packed into `store`: up to
 * `maxBlock` instructions, ending after the first that is not Flow.NEXT,
 * or at the page's end. Null when the first instruction cannot run from
 * the page.
 */
export function threadedBlock(code: PageCode, start: number, maxBlock: number, store: PackedStore): ThreadedBlock | null {
  const insns: Insn[] = [];
  let off = start;
  while (insns.length < maxBlock && off < 0x1000) {
    const i = code.at(off);
    if (i === null) break;
    insns.push(i);
    off += i.len;
    if (flowOf(i) !== Flow.NEXT) break;
  }
  if (insns.length === 0) return null;
  const at = store.pack(insns);
  return {
    words: store.words,
    at,
    count: insns.length,
    endsWithRep: isRepString(insns[insns.length - 1]),
    readsEip: insns.some(readsInsnEip),
  };
}

/** Runs threaded blocks for a block engine. */
export class ThreadedRunner {
  /** Steps the last `run` took (a faulting instruction counts, an abandoned one does not). */
  taken = 0;
  /** The instruction being run, unpacked. */
  private readonly insn = new Insn();

  constructor(private readonly cpu: Cpu) {}

  /**
   * Run block `b`, which starts at CS:EIP. Returns null (go on at EIP), an
   * exit, or ABANDON (EIP is on an instruction the interpreter must take).
   */
  run(b: ThreadedBlock): ExitReason | null | typeof ABANDON {
    const cpu = this.cpu;
    const words = b.words;
    const handlers = HANDLERS;
    const i = this.insn;
    const n = b.count;
    // A repeated string instruction (always last) runs with compiledAccess off: its bulk paths
    // store without per-access checks, and report devices and code stores through blockExit.
    const rep = b.endsWithRep ? n - 1 : -1;
    const mask = cpu.csBig ? -1 : 0xffff;
    let start = cpu.eip;
    let j = 0;
    cpu.compiledAccess = true;
    const regs = cpu.regs;
    try {
      for (let at = b.at; j < n; j++, at += WORDS) {
        const a = words[at];
        const eip = ((start + (a & 15)) & mask) >>> 0;
        cpu.eip = eip;
        const c = words[at + 4];
        const fast = c >>> 24;
        if (fast === Fast.NONE) {
          unpackInsn(words, at, i);
          if (b.readsEip) i.eip = start;
          if (j === rep) cpu.compiledAccess = false;
          handlers[i.op](cpu, i);
        } else {
          // What the handler does (data.ts MOV and LEA, operands.ts ea, readE and writeE).
          const w = words[at + 1];
          if (fast >= Fast.TEST_RR) {
            if (fast === Fast.MOV_IMM) regs[(a >>> 4) & 7] = words[at + 3];
            else if (fast === Fast.INC_DEC) {
              const r = (a >>> 4) & 7;
              regs[r] = incDec(cpu, regs[r] >>> 0, 4, (a & 0x80) !== 0);
            } else lazyLogic(cpu, (regs[(w >>> 3) & 7] & regs[w & 7]) >>> 0, 4);
          } else if (fast >= Fast.ALU_TO_RM) {
            // ops/alu.ts: the operation is op >> 3, or ModRM.reg in group 1; CMP writes nothing back.
            const op = (a >>> 4) & 0x1ff;
            if (fast === Fast.ALU_TO_RM || fast === Fast.ALU_IMM32 || fast === Fast.ALU_IMM8) {
              const k = fast === Fast.ALU_TO_RM ? op >> 3 : w & 7;
              const src =
                fast === Fast.ALU_TO_RM
                  ? regs[w & 7] >>> 0
                  : fast === Fast.ALU_IMM32
                    ? words[at + 3] >>> 0
                    : ((words[at + 3] << 24) >> 24) >>> 0;
              const r = alu(cpu, k, regs[(w >>> 3) & 7] >>> 0, src, 4);
              if (k !== AluOp.CMP) regs[(w >>> 3) & 7] = r;
            } else if (fast === Fast.ALU_FROM_RM) regs[w & 7] = alu(cpu, op >> 3, regs[w & 7] >>> 0, regs[(w >>> 3) & 7] >>> 0, 4);
            else regs[0] = alu(cpu, op >> 3, regs[0] >>> 0, words[at + 3] >>> 0, 4);
          } else if (fast === Fast.PUSH32) cpu.push(regs[(a >>> 4) & 7] >>> 0, 4);
          else if (fast === Fast.POP32) {
            // The increment first: POP ESP leaves the popped value in ESP.
            const v = cpu.pop(4);
            regs[(a >>> 4) & 7] = v;
          } else if (fast === Fast.MOV_TO_RM) regs[(w >>> 3) & 7] = regs[w & 7];
          else if (fast === Fast.MOV_FROM_RM) regs[w & 7] = regs[(w >>> 3) & 7];
          else {
            let off = words[at + 2];
            const base = ((w >>> 6) & 15) - 1;
            const index = ((w >>> 10) & 15) - 1;
            if (base >= 0) off += regs[base];
            if (index >= 0) off += regs[index] << ((a >>> 25) & 3);
            if (fast === Fast.LOAD32) regs[w & 7] = cpu.read32((a >>> 22) & 7, off >>> 0);
            else if (fast === Fast.STORE32) cpu.write32((a >>> 22) & 7, off >>> 0, regs[w & 7] >>> 0);
            else regs[w & 7] = off;
          }
        }
        cpu.instructions++;
        cpu.cycles += c & 0xffffff;
        start = eip;
      }
    } catch (e) {
      cpu.compiledAccess = false;
      this.taken = j;
      if (e === ABANDON) {
        cpu.eip = start;
        return ABANDON;
      }
      if (!(e instanceof CpuFault)) throw e;
      this.taken = j + 1;
      if (!e.trap) cpu.eip = start;
      return raise(cpu, e);
    }
    cpu.compiledAccess = false;
    this.taken = n;
    return null;
  }
}
