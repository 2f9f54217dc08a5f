/**
 * Exception and interrupt delivery (SDM vol. 3, ch. 6): through the IVT in
 * real mode, through IDT gates in protected mode, with the double-fault
 * rules and shutdown on a triple fault. Every delivery passes through
 * `raise`, where a monitor may intercept it.
 */
import { type Cpu, CS, type ExitReason } from "./cpu.js";
import { CpuFault, Vec } from "./fault.js";
import { AC, IF, RF, TF } from "./flags.js";
import { deliverProtected } from "./protected.js";

/** Exception classes for the double-fault rules (SDM vol. 3, table 6-5). */
function isContributory(vector: number): boolean {
  return vector === 0 || (vector >= 10 && vector <= 13);
}

export const enum EventKind {
  /** A processor exception (fault or trap). */
  EXCEPTION = 0,
  /** INT n, INT3, INTO: software interrupts check the gate's DPL. */
  SOFTWARE = 1,
  /** An external interrupt from the PIC or APIC. */
  EXTERNAL = 2,
}

/**
 * Deliver a fault raised by an instruction (EIP already at the restart
 * point). Returns an exit reason when the monitor intercepted it or the
 * machine shut down, else null.
 */
export function raise(cpu: Cpu, fault: CpuFault): ExitReason | null {
  if (cpu.interceptException?.(fault)) return { kind: "exception", fault };
  let vector = fault.vector;
  let code = fault.errorCode;
  for (let attempt = 0; ; attempt++) {
    try {
      deliver(cpu, vector, code, EventKind.EXCEPTION);
      return null;
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e;
      if (vector === Vec.DF) return { kind: "shutdown", why: `triple fault: ${e} while delivering a double fault` };
      const first = vector;
      const second = e.vector;
      const doubleFault =
        (isContributory(first) && isContributory(second)) || (first === Vec.PF && (second === Vec.PF || isContributory(second)));
      if (doubleFault) {
        vector = Vec.DF;
        code = 0;
      } else {
        vector = second;
        code = e.errorCode;
      }
      if (attempt > 4) return { kind: "shutdown", why: `unrecoverable fault loop delivering ${e}` };
    }
  }
}

/** Deliver vector `vector` of the given kind; may throw a CpuFault. */
export function deliver(cpu: Cpu, vector: number, errorCode: number, kind: EventKind): void {
  // Software interrupts are charged as their instruction (cost/classes.ts).
  const events = cpu.cost.events;
  if (kind === EventKind.EXCEPTION) cpu.cycles += vector === Vec.PF ? events.exception + events.pageFault : events.exception;
  else if (kind === EventKind.EXTERNAL) cpu.cycles += events.externalInterrupt;
  if (cpu.realMode) deliverReal(cpu, vector);
  else deliverProtected(cpu, vector, errorCode, kind);
}

/** Real mode: push FLAGS, CS, IP; clear IF, TF, AC; jump through the IVT. */
function deliverReal(cpu: Cpu, vector: number): void {
  const off = vector * 4;
  if (off + 3 > cpu.idtLimit) throw new CpuFault(Vec.GP, 0);
  const ip = cpu.readLin16((cpu.idtBase + off) >>> 0);
  const cs = cpu.readLin16((cpu.idtBase + off + 2) >>> 0);
  const flags = cpu.eflags;
  cpu.push(flags & 0xffff, 2);
  cpu.push(cpu.segSel[CS], 2);
  cpu.push(cpu.eip & 0xffff, 2);
  cpu.flags &= ~(IF | TF | AC | RF);
  cpu.setSegCache(CS, cs, cs << 4, cpu.segLimit[CS], cpu.segAttr[CS]);
  cpu.eip = ip;
}
