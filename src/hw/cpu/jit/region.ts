/**
 * Finding the code to compile: the blocks of one physical page reachable
 * from a set of entry offsets by the branches we can see statically.
 *
 * A region is everything the compiler turns into one JavaScript function:
 * a loop around a `switch` with one case per block, so jumps between
 * blocks of the page (loops, if/else, calls and the returns that come back
 * to them) stay inside the function. Control that leaves the page, or goes
 * to an offset the region does not know, returns to the dispatcher.
 *
 * Instructions are decoded straight from the page's RAM (no TLB, no fault,
 * no cycles charged: compiling must not be visible to the guest) and kept
 * in the shared decode cache, which tells the compiler when a store changes
 * them.
 */
import { instructionCycles } from "../../cost/classes.js";
import type { Cpu } from "../cpu.js";
import type { DecodeCache } from "../decode-cache.js";
import { decode } from "../decoder.js";
import { Insn } from "../insn.js";
import { branchTargets, Flow, flowOf } from "./flow.js";

/** Longest block (instructions): bounds the time between looks at interrupts. */
export const MAX_BLOCK = 128;
/**
 * Largest region (instructions) for generated JavaScript: V8 deoptimizes a
 * function when a path it never ran before runs, so large JavaScript
 * regions were measured slower (boot decompression: 75 MIPS at 32, 42 at
 * 128, 9 at 512).
 */
export const MAX_REGION_JS = 32;
/**
 * For WebAssembly, which never deoptimizes: the whole page. Fewer regions
 * means fewer entries from the dispatcher (boot decompression: 99 MIPS at
 * 128, 139 at 512, 178 at 2048).
 */
export const MAX_REGION_WASM = 4096;

export interface Block {
  /** Offset of the first instruction in the page. */
  readonly start: number;
  readonly insns: Insn[];
  /** Offset of each instruction in the page. */
  readonly offsets: number[];
  /** Offset after the last instruction. */
  readonly end: number;
  /** How the last instruction ends the block (NEXT: it runs into `end`, another block's start or the page's end). */
  readonly flow: Flow;
  /**
   * The block ends (flow NEXT) because the instruction at `end` cannot be
   * decoded from the page: it crosses into the next page, or is invalid
   * (../crossing.ts steps it).
   */
  readonly crossing: boolean;
}

export interface Region {
  /** The physical page the region is in (page number). */
  readonly page: number;
  /** Sorted by start; the first is the entry. */
  readonly blocks: Block[];
}

/** Reads code bytes of one physical page by EIP; past the page, throws. */
class PageFetch {
  constructor(
    private readonly ram: Uint8Array,
    readonly base: number,
    readonly phys: number,
  ) {}
  fetch8(eip: number): number {
    const off = eip - this.base;
    if (off < 0 || off >= 0x1000) throw OUT_OF_PAGE;
    return this.ram[this.phys + off];
  }
}
const OUT_OF_PAGE = Symbol("instruction runs past the page");

/**
 * The instructions of one physical page as code at EIP = `base` + offset
 * with CS.D = `big`, decoded straight from RAM (no TLB, no fault, no
 * cycles: looking at code must not be visible to the guest) and kept in
 * the shared decode cache.
 */
export class PageCode {
  private readonly fetch: PageFetch;

  constructor(
    private readonly cpu: Cpu,
    private readonly cache: DecodeCache,
    page: number,
    readonly base: number,
    readonly big: boolean,
  ) {
    this.fetch = new PageFetch(cpu.bus.ram, base, page << 12);
  }

  /** The instruction at `off`; null when it cannot run from the page (invalid, or crossing into the next page). */
  at(off: number): Insn | null {
    const phys = this.fetch.phys + off;
    const cached = this.cache.get(phys, this.big);
    if (cached !== undefined) return cached;
    let i: Insn;
    try {
      i = decode(this.fetch, this.base + off, this.big, new Insn());
    } catch {
      return null;
    }
    i.cycles = instructionCycles(this.cpu.cost, i);
    this.cache.put(phys, i);
    return i;
  }
}

/**
 * Discover the region of physical page `page` reachable from `entry`, for
 * code running at EIP = `base` + offset with CS.D = `big`. Jump targets
 * are followed only where `reached` says control has arrived (the
 * dispatcher's heat): code that never ran is not compiled, which keeps
 * compiling cheap enough to start early. Nor are blocks that `owned` says
 * another region has: the region ends where it would run into one, and
 * branches there leave it (to be chained), so that code is compiled once.
 */
export function findRegion(
  cpu: Cpu,
  cache: DecodeCache,
  page: number,
  base: number,
  big: boolean,
  entry: number,
  maxBlock = MAX_BLOCK,
  maxRegion = MAX_REGION_JS,
  reached: (offset: number) => boolean = () => true,
  owned: (offset: number) => boolean = () => false,
  crossingBlocks = false,
): Region {
  const code = new PageCode(cpu, cache, page, base, big);

  // Pass 1: block starts, by following static branch targets inside the page.
  const starts = new Set<number>();
  const work = [entry];
  let budget = maxRegion;
  while (work.length && budget > 0) {
    const start = work.pop() as number;
    if (starts.has(start)) continue;
    starts.add(start);
    let off = start;
    for (let n = 0; n < maxBlock && off < 0x1000 && budget > 0; n++, budget--) {
      const i = code.at(off);
      if (i === null) break;
      const next = off + i.len;
      const flow = flowOf(i);
      if (flow === Flow.BRANCH) {
        // The fall-through always; a jump target only once control has arrived there.
        for (const eip of branchTargets(i, base + next)) {
          const t = eip - base;
          if (t >= 0 && t < 0x1000 && !starts.has(t) && (t === next || reached(t)) && !owned(t)) work.push(t);
        }
      }
      if (flow !== Flow.NEXT || owned(next)) break;
      off = next;
    }
  }

  // Pass 2: each block runs from its start to its end or into the next start.
  const blocks: Block[] = [];
  const order = [...starts].sort((a, b) => a - b);
  // The entry first: it is what the dispatcher asked for.
  order.splice(order.indexOf(entry), 1);
  order.unshift(entry);
  for (const start of order) {
    const insns: Insn[] = [];
    const offsets: number[] = [];
    let off = start;
    let flow = Flow.NEXT;
    let crossing = false;
    while (insns.length < maxBlock && off < 0x1000) {
      if (insns.length && (starts.has(off) || owned(off))) break;
      const i = code.at(off);
      if (i === null) {
        crossing = true;
        break;
      }
      insns.push(i);
      offsets.push(off);
      off += i.len;
      flow = flowOf(i);
      if (flow !== Flow.NEXT) break;
    }
    // A start on an instruction that crosses the page is a block of no instructions, where the
    // code can step it (`crossingBlocks`: WebAssembly regions, ../crossing.ts).
    if (insns.length || (crossing && crossingBlocks)) blocks.push({ start, insns, offsets, end: off, flow, crossing });
  }
  return { page, blocks };
}
