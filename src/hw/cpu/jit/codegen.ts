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
 *       default: return FOLLOW;       // not ours: the engine finds the code at EIP
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
 * the instruction in progress; when it faults, the ledger's tables
 * (ledger.ts) say what was left uncharged, where it starts and how many
 * steps the block had left, so the state is exactly the interpreter's.
 */
import { lazyAdd, lazyIncDec, lazyLogic, lazySub, testCC } from "../flags.js";
import { readsInsnEip } from "../insn.js";
import { shift } from "../ops/shift.js";
import { T_RAM, T_RAMW, T_SUP_R, T_SUP_W, T_USER_R, T_USER_W } from "../paging.js";
import { Flow, isRepString, observesTime } from "./flow.js";
import { callsHandler, inlineBranch, inlineForm, producerOf, withCall } from "./inline.js";
import { fault, Ledger, type RegionCode } from "./ledger.js";
import { liveAfter } from "./liveness.js";
import type { Region } from "./region.js";

/**
 * Compile `region` for code running at user privilege (`user`: CPL 3) or
 * not; the memory fast paths test the TLB permission bits of that level.
 * `follow` finds the code to go on with when a branch leaves the region.
 */
export function compileRegion(region: Region, user: boolean, follow: RegionCode): RegionCode {
  const ledger = new Ledger();
  const body: string[] = [];
  /** Charging what ran and is not charged yet. */
  const charge = (): string => {
    const due = ledger.charge();
    return due.count ? `cpu.cycles += ${due.cycles}; cpu.instructions += ${due.count};` : "";
  };

  // EIP arithmetic wraps at 64 KiB in 16-bit code (only past the page's last byte can it).
  const wrap = region.blocks[0]?.insns[0]?.big === false ? "& 0xffff" : ">>> 0";
  for (const b of region.blocks) {
    const n = b.insns.length;
    // Everything is assumed read after the block (the JavaScript back end has no region liveness).
    const live = liveAfter(b.insns, true);
    body.push(`case ${b.start}: {`);
    body.push(`if (cpu.jitLeft < ${n}) { cpu.eip = (B + ${b.start}) ${wrap}; return null; }`);
    body.push(`cpu.jitLeft -= ${n};`);
    let endedByBranch = false;
    let previousInline = false;
    for (let j = 0; j < n; j++) {
      const i = b.insns[j];
      const off = b.offsets[j];
      const k = ledger.add(i, off, n - j);
      const flow = j === n - 1 ? b.flow : Flow.NEXT;
      if (flow === Flow.BRANCH) {
        // A compare or test compiled inline just before leaves its operands in locals.
        const producer = previousInline ? producerOf(b.insns[j - 1]) : null;
        const branch = inlineBranch(i, off + i.len, producer);
        if (branch !== null) {
          // A handler fallback in it runs before this instruction is charged (as in the interpreter).
          const call = `k = ${k}; cpu.eip = (B + ${off + i.len}) ${wrap}; h${k}(cpu, i${k});`;
          ledger.ran(i);
          body.push(withCall(branch, call), charge(), `cpu.eip = (B + label) ${wrap}; continue;`, "}");
          endedByBranch = true;
          break;
        }
      }
      const inline = flow === Flow.NEXT ? inlineForm(i, live[j]) : null;
      previousInline = inline !== null;
      if (inline !== null) {
        // Only its handler fallback can fault (or abandon), and it observes no time.
        ledger.ran(i);
        body.push(callsHandler(inline) ? withCall(inline, `k = ${k}; h${k}(cpu, i${k});`) : inline);
        continue;
      }
      const line = [`k = ${k};`];
      // What the handler can observe must be exact: the time before it, EIP after it.
      if (flow === Flow.LEAVE || observesTime(i)) line.push(charge());
      if (flow !== Flow.NEXT) line.push(`cpu.eip = (B + ${off + i.len}) ${wrap};`);
      if (readsInsnEip(i)) line.push(`i${k}.eip = (B + ${off}) ${wrap};`);
      // A repeated string instruction's bulk paths store without per-access checks: it runs
      // with compiledAccess off, and reports devices and code stores through blockExit.
      if (isRepString(i)) line.push(`cpu.compiledAccess = false; h${k}(cpu, i${k}); cpu.compiledAccess = true;`);
      else line.push(`h${k}(cpu, i${k});`);
      ledger.ran(i);
      body.push(line.join(" "));
    }
    if (endedByBranch) continue;
    body.push(charge());
    if (b.flow === Flow.LEAVE) body.push("return null;");
    else if (b.flow === Flow.BRANCH) body.push("if (cpu.blockExit) return null;", "label = cpu.eip - B; continue;");
    else body.push(`label = ${b.end}; cpu.eip = (B + label) ${wrap}; continue;`);
    body.push("}");
  }

  const names = ledger.insns.map((_, k) => `h${k} = H[${k}], i${k} = I[${k}]`);
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
    // Not a block of this region: the code at the new EIP, wherever it is (the engine's `follow`).
    "default: return FOLLOW;",
    "}",
    "} catch (e) { return fault(cpu, e, B, k, FT); }",
    "};",
  ].join("\n");
  const make = new Function("FOLLOW", "H", "I", "FT", "fault", "testCC", "lazyAdd", "lazySub", "lazyLogic", "lazyIncDec", "shift", source);
  return make(
    follow,
    ledger.handlers,
    ledger.insns,
    ledger.tables(),
    fault,
    testCC,
    lazyAdd,
    lazySub,
    lazyLogic,
    lazyIncDec,
    shift,
  ) as RegionCode;
}
