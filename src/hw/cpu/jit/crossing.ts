/**
 * An instruction that runs on into the next page, stepped from compiled
 * code without leaving it.
 *
 * A region holds the code of one physical page, so an instruction whose
 * bytes continue on the next page (or one that cannot be decoded from the
 * page at all) is not in it: the block before it ends there. Before, that
 * end was a way out: back to the dispatcher, which interpreted the one
 * instruction and entered compiled code again. In a hot loop that is two
 * trips through the dispatcher an iteration; the kernel's kallsyms binary
 * search, whose `mov ecx, [eax*4+table]` straddles a page, made 584,000 of
 * them during boot.
 *
 * The step decodes the instruction through the processor's fetch, as the
 * interpreter decodes an instruction it cannot cache, each time it runs,
 * so nothing of it needs invalidating, and runs its handler. A fault is
 * delivered there, as the interpreter delivers it, and ends the compiled
 * code's run (`Delivered`). Anything else but an ordinary completion (an
 * abandoned access, an instruction that ends its block, a change of the
 * mode the region was compiled for) leaves EIP on the instruction and
 * sends it back to the dispatcher, whose interpreter takes it again, as it
 * takes every abandoned instruction.
 */
import { instructionCycles } from "../../cost/classes.js";
import type { Cpu, ExitReason } from "../cpu.js";
import { decode } from "../decoder.js";
import { ABANDON, CpuFault } from "../fault.js";
import { Insn, readsInsnEip } from "../insn.js";
import { raise } from "../interrupts.js";
import { HANDLERS } from "../ops/index.js";
import { Flow, flowOf } from "./flow.js";
import { modeOf } from "./mode.js";

/** Thrown through compiled code once the step has delivered a fault: what the dispatcher returns. */
export class Delivered {
  constructor(readonly exit: ExitReason | null) {}
}

export class CrossingStep {
  private readonly insn = new Insn();

  /**
   * Run the instruction at CS:`eip` in code compiled for `mode`. True: it
   * retired and compiled code goes on at EIP; false: EIP is back on it for
   * the dispatcher. A fault throws `Delivered` (the instruction was a step).
   */
  run(cpu: Cpu, eip: number, mode: number): boolean {
    cpu.eip = eip;
    try {
      const i = decode(cpu, eip, cpu.csBig, this.insn);
      if (flowOf(i) !== Flow.NEXT) return false;
      i.cycles = instructionCycles(cpu.cost, i);
      if (readsInsnEip(i)) i.eip = eip;
      cpu.eip = cpu.csBig ? (eip + i.len) >>> 0 : (eip + i.len) & 0xffff;
      HANDLERS[i.op](cpu, i);
      cpu.instructions++;
      cpu.cycles += i.cycles;
    } catch (e) {
      if (e === ABANDON) {
        cpu.eip = eip;
        return false;
      }
      if (!(e instanceof CpuFault)) throw e;
      cpu.compiledAccess = false;
      if (!e.trap) cpu.eip = eip;
      throw new Delivered(raise(cpu, e));
    }
    return !cpu.blockExit && cpu.stopRequest === null && modeOf(cpu) === mode;
  }
}
