/**
 * The reference interpreter: fetch, decode, execute one instruction at a
 * time over the shared semantics table, with interrupts checked between
 * instructions. It is the engine every other engine is compared against, so
 * it stays simple.
 */

import { instructionCycles } from "../cost/classes.js";
import { type Cpu, CS, type ExitReason } from "./cpu.js";
import { debugTrapAfter, instructionBreakpointHits } from "./debug.js";
import { DecodeCache } from "./decode-cache.js";
import { decode } from "./decoder.js";
import { CpuFault, Vec } from "./fault.js";
import { IF, RF, TF } from "./flags.js";
import { Insn, readsInsnEip } from "./insn.js";
import { deliver, EventKind, raise } from "./interrupts.js";
import { HANDLERS } from "./ops/index.js";

/** Where external interrupts come from (the PIC or the local APIC). */
export interface InterruptSource {
  /** True while an interrupt is requested. */
  readonly pending: boolean;
  /** INTA: the vector of the highest-priority request, now in service. */
  acknowledge(): number;
}

export class Interpreter {
  private readonly insn = new Insn();
  readonly cache: DecodeCache;
  interrupts: InterruptSource | null = null;

  constructor(readonly cpu: Cpu) {
    this.cache = new DecodeCache(cpu);
  }

  /**
   * Execute one instruction (or deliver one pending interrupt). Returns an
   * exit reason when execution cannot simply go on.
   */
  step(): ExitReason | null {
    const cpu = this.cpu;
    if (cpu.stopRequest) return cpu.stopRequest;
    const inhibit = cpu.inhibitInterrupts;
    cpu.inhibitInterrupts = false;
    if (!inhibit && cpu.flags & IF && this.interrupts?.pending) {
      cpu.halted = false;
      const vector = this.interrupts.acknowledge();
      try {
        deliver(cpu, vector, -1, EventKind.EXTERNAL);
      } catch (e) {
        if (!(e instanceof CpuFault)) throw e;
        return raise(cpu, e);
      }
      return null;
    }
    if (cpu.halted) return cpu.flags & IF ? { kind: "hlt" } : { kind: "halted" };

    const start = cpu.eip;
    try {
      if (cpu.gateways.size) {
        const gateway = cpu.gateways.get((cpu.segBase[CS] + start) >>> 0);
        if (gateway) {
          gateway(cpu);
          return cpu.stopRequest;
        }
      }
      const startFlags = cpu.flags;
      if (cpu.insnBreakpoints && !(startFlags & RF)) {
        const hits = instructionBreakpointHits(cpu, (cpu.segBase[CS] + start) >>> 0);
        if (hits) {
          cpu.dr[6] = (cpu.dr[6] & ~0xf) | hits;
          throw new CpuFault(Vec.DB);
        }
      }
      const i = this.fetchDecoded(start);
      cpu.eip = cpu.csBig ? (start + i.len) >>> 0 : (start + i.len) & 0xffff;
      HANDLERS[i.op](cpu, i);
      cpu.instructions++;
      cpu.cycles += i.cycles;
      // Debug traps: single-step (TF at the start, SDM vol. 3, 17.3.1.4),
      // data breakpoints; and RF retires.
      if ((startFlags & (TF | RF) || cpu.pendingDataHits) && debugTrapAfter(cpu, startFlags, i.op)) {
        return raise(cpu, new CpuFault(Vec.DB, -1, true));
      }
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e;
      if (!e.trap) cpu.eip = start;
      return raise(cpu, e);
    }
    return cpu.stopRequest;
  }

  /** The instruction at CS:`eip`, from the decode cache or freshly decoded (faulting as a fetch would). */
  private fetchDecoded(eip: number): Insn {
    const cpu = this.cpu;
    const phys = cpu.codeAddress(eip);
    if (phys < 0) return this.decodeScratch(eip);
    let i = this.cache.get(phys, cpu.csBig);
    if (i !== undefined) {
      // The cached bytes are the same; the limit check of the whole instruction still applies.
      if (eip + i.len - 1 > cpu.segHi[CS]) return this.decodeScratch(eip);
      if (readsInsnEip(i)) i.eip = eip;
      return i;
    }
    i = decode(cpu, eip, cpu.csBig, new Insn());
    i.cycles = instructionCycles(cpu.cost, i);
    if ((phys & 0xfff) + i.len <= 0x1000) this.cache.put(phys, i);
    return i;
  }

  /** Decode into the scratch record (code outside RAM, or at the CS limit). */
  private decodeScratch(eip: number): Insn {
    const i = decode(this.cpu, eip, this.cpu.csBig, this.insn);
    i.cycles = instructionCycles(this.cpu.cost, i);
    return i;
  }

  /** Run until an exit or until `budget` instructions have executed. */
  run(budget: number): ExitReason {
    for (let n = 0; n < budget; n++) {
      const exit = this.step();
      if (exit) return exit;
    }
    return { kind: "budget" };
  }
}
