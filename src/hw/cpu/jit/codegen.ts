/**
 * Turning a region into a JavaScript function.
 *
 *   function (cpu, label) {
 *     const B = cpu.eip - label;       // EIP of the page's first byte
 *     for (;;) switch (label) {
 *       case 0x120: {                  // one block
 *         if (cpu.jitLeft < 3) ...     // not enough steps left: the dispatcher interprets
 *         cpu.jitLeft -= 3;
 *         k = 7; ...h7(cpu, i7);       // each instruction
 *         cpu.cycles += 5; ...         // charged in bulk, exactly as the interpreter would
 *         label = cpu.eip - B; continue;
 *       }
 *       default: return null;         // not ours: the dispatcher finds the code
 *     }
 *   }
 *
 * Each instruction is its handler from the semantics table, called with
 * the decoded record, or an inline form of the same semantics (emit.ts).
 * There is no second definition of what an instruction does.
 *
 * Cycles and instructions are charged per block, and before every call
 * into a handler (which may read the time stamp counter or a device).
 * `k` names the instruction in progress; when it faults, the tables built
 * here say what was charged, where it starts and how many steps the block
 * had left, so the state is exactly the interpreter's at that point.
 */
import type { Cpu, ExitReason } from "../cpu.js";
import { ABANDON, CpuFault } from "../fault.js";
import type { Insn } from "../insn.js";
import { raise } from "../interrupts.js";
import { HANDLERS } from "../ops/index.js";
import type { Handler } from "../ops/table.js";
import { Flow, readsInsnEip } from "./flow.js";
import type { Region } from "./region.js";

/** What compiled code returns: nothing to report, an exit, or ABANDON (interpret the instruction at EIP). */
export type RegionResult = ExitReason | null | typeof ABANDON;
export type RegionCode = (cpu: Cpu, label: number) => RegionResult;

/** Per instruction of a region, what a fault there must undo or charge. */
interface FaultTables {
  /** Offset in the page. */
  readonly offsets: Int32Array;
  /** Cycles and instructions executed before it in its block and not yet charged. */
  readonly cycles: Float64Array;
  readonly count: Int32Array;
  /** Steps its block had left, counting it. */
  readonly left: Int32Array;
}

/**
 * A fault (or ABANDON) thrown by instruction `k` of compiled code: charge
 * what ran before it, put EIP on it, give back the steps not taken, and
 * deliver the exception as the interpreter would.
 */
function fault(cpu: Cpu, e: unknown, base: number, k: number, t: FaultTables): RegionResult {
  cpu.compiledAccess = false;
  if (k < 0) throw e;
  cpu.cycles += t.cycles[k];
  cpu.instructions += t.count[k];
  const eip = (base + t.offsets[k]) >>> 0;
  if (e === ABANDON) {
    cpu.eip = eip;
    cpu.jitLeft += t.left[k];
    return ABANDON;
  }
  if (!(e instanceof CpuFault)) throw e;
  // The faulting instruction was a step, as in the interpreter.
  cpu.jitLeft += t.left[k] - 1;
  if (!e.trap) cpu.eip = eip;
  return raise(cpu, e);
}

export function compileRegion(region: Region): RegionCode {
  const insns: Insn[] = [];
  const handlers: Handler[] = [];
  const offsets: number[] = [];
  const pendingCycles: number[] = [];
  const pendingCount: number[] = [];
  const left: number[] = [];
  const body: string[] = [];

  for (const b of region.blocks) {
    const n = b.insns.length;
    body.push(`case ${b.start}: {`);
    body.push(`if (cpu.jitLeft < ${n}) { cpu.eip = (B + ${b.start}) >>> 0; return null; }`);
    body.push(`cpu.jitLeft -= ${n};`);
    let cycles = 0;
    let count = 0;
    const charge = (): string => (count ? `cpu.cycles += ${cycles}; cpu.instructions += ${count}; ` : "");
    for (let j = 0; j < n; j++) {
      const i = b.insns[j];
      const k = insns.length;
      const off = b.offsets[j];
      insns.push(i);
      handlers.push(HANDLERS[i.op]);
      offsets.push(off);
      pendingCycles.push(cycles);
      pendingCount.push(count);
      left.push(n - j);
      body.push(`k = ${k}; ${charge()}cpu.eip = (B + ${off + i.len}) >>> 0;`);
      cycles = 0;
      count = 0;
      if (readsInsnEip(i)) body.push(`i${k}.eip = (B + ${off}) >>> 0;`);
      body.push(`h${k}(cpu, i${k});`);
      cycles += i.cycles;
      count++;
      if (j < n - 1) body.push(`if (cpu.blockExit) { ${charge()}return null; }`);
    }
    body.push(`k = -1; ${charge()}`);
    if (b.flow === Flow.LEAVE) body.push("return null;");
    else body.push("if (cpu.blockExit) return null;", "label = cpu.eip - B; continue;");
    body.push("}");
  }

  const names = insns.map((_, k) => `h${k} = H[${k}], i${k} = I[${k}]`);
  const source = [
    '"use strict";',
    names.length ? `const ${names.join(", ")};` : "",
    "return function region(cpu, label) {",
    "const B = cpu.eip - label;",
    "let k = -1;",
    "try {",
    "for (;;) switch (label) {",
    ...body,
    "default: return null;",
    "}",
    "} catch (e) { return fault(cpu, e, B, k, T); }",
    "};",
  ].join("\n");
  const tables: FaultTables = {
    offsets: Int32Array.from(offsets),
    cycles: Float64Array.from(pendingCycles),
    count: Int32Array.from(pendingCount),
    left: Int32Array.from(left),
  };
  return new Function("H", "I", "T", "fault", source)(handlers, insns, tables, fault) as RegionCode;
}
