/**
 * Which flags may still be read after each block of a region.
 *
 * Inside a block, `liveAfter` lets an instruction skip the record of
 * flags nothing reads before they are written again; at the block's end
 * everything used to be assumed read (the JavaScript back end still
 * assumes it). Across the region's own blocks that is known too: a block
 * whose every way on leads to blocks that write the flags before reading
 * them leaves them dead. Ways out of the region (to another region, the
 * dispatcher, a handler that ends the block) keep everything live, as do
 * blocks whose end is not known.
 *
 * The same reasoning as inside a block, with the same limit: a fault in
 * an instruction after one whose record was skipped delivers the EFLAGS of
 * the record before (as skipping records inside a block always has).
 */
import type { Insn } from "../insn.js";
import { branchTargets, Flow, isJcc } from "./flow.js";
import { FlagUse, flagUse } from "./inline.js";
import type { Block, Region } from "./region.js";

/** What an instruction does with the flags a liveness looks at. */
export type Use = (i: Insn) => FlagUse;

/**
 * CF alone: INC and DEC keep it, CLC and STC write it, and a Jcc, SETcc
 * or CMOVcc reads it only for B, AE, BE and A. Everything else as for all
 * the flags.
 */
export function carryUse(i: Insn): FlagUse {
  const op = i.op;
  if (op >= 0x40 && op <= 0x4f) return FlagUse.NONE;
  if (op === 0xf8 || op === 0xf9) return FlagUse.WRITES;
  if (isJcc(i) || (op >= 0x190 && op <= 0x19f) || (op >= 0x140 && op <= 0x14f)) {
    const cc = op & 15;
    return cc >= 2 && cc <= 7 ? FlagUse.READS : FlagUse.NONE;
  }
  return flagUse(i);
}

/** Per block of `region`, whether the flags `use` looks at may be read after it. */
export function liveOut(region: Region, use: Use = flagUse): boolean[] {
  const blocks = region.blocks;
  const index = new Map(blocks.map((b, j) => [b.start, j]));
  /** Where the block reads before it writes (true), writes first (false), or neither (null). */
  const first = blocks.map((b) => {
    for (const i of b.insns) {
      const u = use(i);
      if (u === FlagUse.READS) return true;
      if (u === FlagUse.WRITES) return false;
    }
    return null;
  });
  /** Successor blocks by index; null: a way out of the region. */
  const next = blocks.map((b) => successors(b, index));
  const out = blocks.map((_, j) => next[j] === null);
  for (let changed = true; changed; ) {
    changed = false;
    for (let j = blocks.length - 1; j >= 0; j--) {
      if (out[j]) continue;
      const live = (next[j] as number[]).some((s) => first[s] ?? out[s]);
      if (live) {
        out[j] = true;
        changed = true;
      }
    }
  }
  return out;
}

/** The blocks `b` goes on to, or null when one of its ways on leaves the region (or is not known). */
function successors(b: Block, index: Map<number, number>): number[] | null {
  if (b.crossing || b.flow === Flow.LEAVE) return null;
  const last = b.insns[b.insns.length - 1];
  // An indirect CALL's callee is not known (branchTargets lists only its return address).
  if (b.flow === Flow.BRANCH && last.op === 0xff) return null;
  const targets = b.flow === Flow.NEXT ? [b.end] : branchTargets(last, b.end);
  // A branch with no static target (indirect, RET) leaves.
  if (targets.length === 0) return null;
  const out: number[] = [];
  for (const t of targets) {
    const s = index.get(t);
    if (s === undefined) return null;
    out.push(s);
  }
  return out;
}

/** For each instruction of `insns`, whether the flags `use` looks at may be read after it, given what is after the block. */
export function liveAfter(insns: readonly Insn[], after: boolean, use: Use = flagUse): boolean[] {
  const live: boolean[] = new Array(insns.length);
  let needed = after;
  for (let j = insns.length - 1; j >= 0; j--) {
    live[j] = needed;
    const u = use(insns[j]);
    if (u === FlagUse.WRITES) needed = false;
    else if (u === FlagUse.READS) needed = true;
  }
  return live;
}
