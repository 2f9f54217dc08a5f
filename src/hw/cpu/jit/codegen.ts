/**
 * Turning a region into a JavaScript function.
 *
 *   function (cpu, label) {
 *     const B = cpu.eip - label;       // EIP of the page's first byte
 *     for (;;) switch (label) {
 *       case 0x120: {                  // one block
 *         if (cpu.jitLeft < 3) ...     // not enough steps left: the dispatcher interprets
 *         cpu.jitLeft -= 3;
 *         k = 7; h7(cpu, i7); ...      // each instruction
 *         cpu.cycles += 5; ...         // charged in bulk, adding up to what the interpreter charges
 *         label = cpu.eip - B; continue;
 *       }
 *       default: return null;         // not ours: the dispatcher finds the code
 *     }
 *   }
 *
 * Each instruction is its handler from the semantics table, called with
 * the decoded record, or an inline form of the same semantics (inline.ts).
 * There is no second definition of what an instruction does.
 *
 * Cycles and instructions are charged once per block, and before the few
 * instructions that can read the time (RDTSC, RDMSR, RDPMC, and those that
 * end a block, such as port I/O). Compiled code runs with
 * `cpu.compiledAccess` set, so a device access through memory abandons its
 * instruction to the interpreter, which makes it with exact time. `k` names
 * the instruction in progress; when it faults, the tables built here say
 * what was left uncharged, where it starts and how many steps the block
 * had left, so the state is exactly the interpreter's at that point.
 */
import type { Cpu, ExitReason } from "../cpu.js";
import { ABANDON, CpuFault } from "../fault.js";
import { lazyAdd, lazyIncDec, lazyLogic, lazySub, testCC } from "../flags.js";
import type { Insn } from "../insn.js";
import { raise } from "../interrupts.js";
import { HANDLERS } from "../ops/index.js";
import { shift } from "../ops/shift.js";
import type { Handler } from "../ops/table.js";
import { T_RAM, T_RAMW, T_SUP_R, T_SUP_W, T_USER_R, T_USER_W } from "../paging.js";
import { Flow, isRepString, readsInsnEip } from "./flow.js";
import { callsHandler, FlagUse, flagUse, inlineBranch, inlineForm, producerOf, withCall } from "./inline.js";
import type { Region } from "./region.js";

/**
 * What compiled code returns: nothing to report, an exit, ABANDON (interpret
 * the instruction at EIP), or the compiled code to go on with (EIP is in the
 * same page, at the offset `cpu.jitLabel`).
 */
export type RegionResult = ExitReason | null | typeof ABANDON | RegionCode;
export type RegionCode = (cpu: Cpu, label: number) => RegionResult;

/** Per instruction of a region, what a fault there must undo or charge. */
export interface FaultTables {
  /** Offset in the page. */
  readonly offsets: Int32Array;
  /** Cycles and instructions executed before it in its block and not yet charged. */
  readonly cycles: Float64Array;
  readonly count: Int32Array;
  /** Steps its block had left, counting it. */
  readonly left: Int32Array;
}

/**
 * For each instruction of a block, whether its arithmetic flags may be read
 * later: by an instruction of the block before one that overwrites them
 * all, or after the block (always assumed).
 */
export function flagsLiveAfter(insns: Insn[]): boolean[] {
  const live: boolean[] = new Array(insns.length);
  let needed = true;
  for (let j = insns.length - 1; j >= 0; j--) {
    live[j] = needed;
    const use = flagUse(insns[j]);
    if (use === FlagUse.WRITES) needed = false;
    else if (use === FlagUse.READS) needed = true;
  }
  return live;
}

/** Instructions that read the time (the generated code charges what ran before them first). */
export function observesTime(i: Insn): boolean {
  return i.op === 0x131 || i.op === 0x132 || i.op === 0x133; // rdtsc, rdmsr, rdpmc
}

/**
 * A fault (or ABANDON) thrown by instruction `k` of compiled code: charge
 * what ran before it, put EIP on it, give back the steps not taken, and
 * deliver the exception as the interpreter would.
 */
export function fault(cpu: Cpu, e: unknown, base: number, k: number, t: FaultTables): RegionResult {
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

/**
 * Compile `region` for code running at user privilege (`user`: CPL 3) or
 * not; the memory fast paths test the TLB permission bits of that level.
 * `page` is the compiled code of the region's page and mode, by block start;
 * `follow` finds the code to go on with when a branch leaves the region.
 */
export function compileRegion(region: Region, user: boolean, page: readonly (RegionCode | undefined)[], follow: RegionCode): RegionCode {
  const insns: Insn[] = [];
  const handlers: Handler[] = [];
  const offsets: number[] = [];
  const pendingCycles: number[] = [];
  const pendingCount: number[] = [];
  const left: number[] = [];
  const body: string[] = [];

  // EIP arithmetic wraps at 64 KiB in 16-bit code (only past the page's last byte can it).
  const wrap = region.blocks[0]?.insns[0]?.big === false ? "& 0xffff" : ">>> 0";
  for (const b of region.blocks) {
    const n = b.insns.length;
    const live = flagsLiveAfter(b.insns);
    body.push(`case ${b.start}: {`);
    body.push(`if (cpu.jitLeft < ${n}) { cpu.eip = (B + ${b.start}) ${wrap}; return null; }`);
    body.push(`cpu.jitLeft -= ${n};`);
    // Cycles and instructions of this block not charged yet.
    let cycles = 0;
    let count = 0;
    const charge = (): string => {
      const s = count ? `cpu.cycles += ${cycles}; cpu.instructions += ${count};` : "";
      cycles = 0;
      count = 0;
      return s;
    };
    let endedByBranch = false;
    let previousInline = false;
    for (let j = 0; j < n; j++) {
      const i = b.insns[j];
      const k = insns.length;
      const off = b.offsets[j];
      const flow = j === n - 1 ? b.flow : Flow.NEXT;
      insns.push(i);
      handlers.push(HANDLERS[i.op]);
      offsets.push(off);
      left.push(n - j);
      // What a fault at this instruction finds uncharged, then this instruction's own cost.
      const pending = (): void => {
        pendingCycles.push(cycles);
        pendingCount.push(count);
      };
      const ran = (): void => {
        cycles += i.cycles;
        count++;
      };
      if (flow === Flow.BRANCH) {
        // A compare or test compiled inline just before leaves its operands in locals.
        const producer = previousInline ? producerOf(b.insns[j - 1]) : null;
        const branch = inlineBranch(i, off + i.len, producer);
        if (branch !== null) {
          // A handler fallback in it runs before this instruction is charged (as in the interpreter).
          pending();
          const call = `k = ${k}; cpu.eip = (B + ${off + i.len}) ${wrap}; h${k}(cpu, i${k});`;
          ran();
          body.push(withCall(branch, call), charge(), `cpu.eip = (B + label) ${wrap}; continue;`, "}");
          endedByBranch = true;
          break;
        }
      }
      const inline = flow === Flow.NEXT ? inlineForm(i, live[j]) : null;
      previousInline = inline !== null;
      if (inline !== null) {
        // Only its handler fallback can fault (or abandon), and it observes no time.
        pending();
        ran();
        body.push(callsHandler(inline) ? withCall(inline, `k = ${k}; h${k}(cpu, i${k});`) : inline);
        continue;
      }
      const line = [`k = ${k};`];
      // What the handler can observe must be exact: the time before it, EIP after it.
      if (flow === Flow.LEAVE || observesTime(i)) line.push(charge());
      pending();
      if (flow !== Flow.NEXT) line.push(`cpu.eip = (B + ${off + i.len}) ${wrap};`);
      if (readsInsnEip(i)) line.push(`i${k}.eip = (B + ${off}) ${wrap};`);
      // A repeated string instruction's bulk paths store without per-access checks: it runs
      // with compiledAccess off, and reports devices and code stores through blockExit.
      if (isRepString(i)) line.push(`cpu.compiledAccess = false; h${k}(cpu, i${k}); cpu.compiledAccess = true;`);
      else line.push(`h${k}(cpu, i${k});`);
      ran();
      body.push(line.join(" "));
    }
    if (endedByBranch) continue;
    body.push(charge());
    if (b.flow === Flow.LEAVE) body.push("return null;");
    else if (b.flow === Flow.BRANCH) body.push("if (cpu.blockExit) return null;", "label = cpu.eip - B; continue;");
    else body.push(`label = ${b.end}; cpu.eip = (B + label) ${wrap}; continue;`);
    body.push("}");
  }

  const names = insns.map((_, k) => `h${k} = H[${k}], i${k} = I[${k}]`);
  const source = [
    '"use strict";',
    names.length ? `const ${names.join(", ")};` : "",
    "return function region(cpu, label) {",
    "const B = cpu.eip - label;",
    "const r = cpu.regs, R8 = cpu.regs8, R16 = cpu.regs16;",
    "const M8 = cpu.bus.ram, M16 = cpu.ram16, M32 = cpu.ram32, CP = cpu.codePages;",
    "const T = cpu.activeTlb();",
    "const SB = cpu.segBase, RLO = cpu.segReadLo, RHI = cpu.segReadHi, WLO = cpu.segWriteLo, WHI = cpu.segWriteHi;",
    `const RD = ${(user ? T_USER_R : T_SUP_R) | T_RAM}, WR = ${(user ? T_USER_W : T_SUP_W) | T_RAM | T_RAMW};`,
    "let k = -1, a = 0, b = 0, res = 0, o = 0, l = 0, e = 0, p = 0;",
    "try {",
    "for (;;) switch (label) {",
    ...body,
    // Another region of this page may have the block: chain to it without the dispatcher.
    // Otherwise the code at the new EIP, wherever it is (the engine's `follow`).
    "default: { const next = E[label]; if (next !== undefined) { cpu.jitLabel = label; return next; } return FOLLOW; }",
    "}",
    "} catch (e) { return fault(cpu, e, B, k, FT); }",
    "};",
  ].join("\n");
  const tables: FaultTables = {
    offsets: Int32Array.from(offsets),
    cycles: Float64Array.from(pendingCycles),
    count: Int32Array.from(pendingCount),
    left: Int32Array.from(left),
  };
  const make = new Function(
    "E",
    "FOLLOW",
    "H",
    "I",
    "FT",
    "fault",
    "testCC",
    "lazyAdd",
    "lazySub",
    "lazyLogic",
    "lazyIncDec",
    "shift",
    source,
  );
  return make(page, follow, handlers, insns, tables, fault, testCC, lazyAdd, lazySub, lazyLogic, lazyIncDec, shift) as RegionCode;
}
