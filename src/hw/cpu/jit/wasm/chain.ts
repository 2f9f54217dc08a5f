/**
 * Chaining compiled regions inside WebAssembly.
 *
 * A region that branches out of itself used to return to the dispatcher,
 * which copied the slots to the Cpu, found the code at the new EIP, copied
 * the slots back and called into WebAssembly again: two crossings of the
 * JavaScript/WebAssembly boundary per transfer between regions (the
 * paper's chaining is what avoids this in a binary translator). Now a
 * region looks the target up itself and goes on there:
 *
 *   - every region's function sits in one shared function table;
 *   - a direct-mapped cache in the arena maps (physical address of a block
 *     start, mode) to the table index of the region that owns the block;
 *   - at its way out, a region of 32-bit code translates the new EIP as the
 *     dispatcher's `follow` does (CS limit, the TLB entry granting the
 *     fetch, the page wholly inside CS) and, on a hit, leaves the target
 *     (label, EIP base, table index) in the arena and returns CHAINED. On
 *     a miss it returns to the dispatcher, as before;
 *   - regions are entered through one small WebAssembly function, the
 *     trampoline, which calls the region through the table and, while it
 *     answers CHAINED, calls the target the same way.
 *
 * Only the trampoline imports the table, and that matters: V8 gives every
 * instance that imports a table its own copy of the table's dispatch
 * entries, fills it when the instance is made and updates all copies on
 * every store into the table. With the table imported by every region,
 * making a region cost time in proportion to the regions there are, and
 * no region's instance was ever freed.
 *
 * Regions import no functions either. V8 spends about 120 µs making any
 * module that imports one (measured with modules that differ in nothing
 * else: 25-37 µs without, 120-165 µs with one, two or four), a sixth of
 * what a region costs to compile. So a region calls out to TypeScript
 * (a handler, a crossing step) with `call_indirect` through a second,
 * two-entry table, the callouts, whose functions pass the region's table
 * index along with the call to the closures kept here.
 *
 * A near branch changes nothing the dispatcher looks at between blocks
 * (see `BlockEngine.follow`), so this is the same decision made sooner.
 * Entries are dropped with their page's compiled code.
 */
import type { Arena } from "../../arena.js";
import type { FaultTables } from "../ledger.js";
import { Body, moduleBytes, Op, Ty } from "./module.js";

/**
 * Cache entries: 8 bytes each, physical address and (table index <<
 * MODE_BITS | mode + 1). At 2^14 entries a third of the transfers between
 * regions during fork+exec missed on collisions; at 2^17, 3%.
 */
export const CHAIN_BITS = 17;
export const CHAIN_ENTRIES = 1 << CHAIN_BITS;
/**
 * The multiplier of the slot hash (Fibonacci hashing: the top bits of
 * phys · 2^32/φ). The hash it replaced, phys ^ phys >> 11, sent addresses
 * 0x40080 apart to one slot; in fork+exec the kernel's hot blocks evicted
 * each other 313,000 times, each a return to the dispatcher.
 */
export const CHAIN_HASH = 0x9e3779b1 | 0;

/** Bits of a cache entry's second word holding mode + 1 (modes 0 to 7, 0: no entry). */
export const MODE_BITS = 4;

/** The cache slot of physical address `phys` (compile.ts computes the same in WebAssembly). */
export function chainSlot(phys: number): number {
  return Math.imul(phys, CHAIN_HASH) >>> (32 - CHAIN_BITS);
}

/** A region's answer: it left the target of a chain in the arena (`Chains.target`). */
export const CHAINED = 2;

/** A region function: run(label, EIP base, TLB) -> 0 (to the dispatcher), 1 (follow) or CHAINED. */
const RUN = { params: [Ty.I32, Ty.I32, Ty.I32], results: [Ty.I32] };

/** Enter the region at table `index`, and those it chains to: the first answer that is not CHAINED. */
export type Trampoline = (label: number, base: number, tlb: number, index: number) => number;

/** Slots of the callouts table: a region's calls out to TypeScript. */
export const enum Callout {
  /** h(k, B): instruction k's handler (compile.ts). */
  HANDLER = 0,
  /** s(offset, B): the instruction at `offset` that crosses into the next page (../crossing.ts). */
  STEP = 1,
}

/** A region's callout closure: (instruction or offset, EIP base) -> its answer. */
export type CalloutFn = (arg: number, base: number) => number;

/** A callout through the table: (arg, EIP base, region's table index) -> answer. */
export const CALLOUT = { params: [Ty.I32, Ty.I32, Ty.I32], results: [Ty.I32] };

export class Chains {
  /** The function table holding every region's function. */
  private table!: WebAssembly.Table;
  /** Runs regions through the table (the trampoline: the only instance importing it). */
  run!: Trampoline;
  /** The callouts table (`Callout`), which every region imports. */
  callouts!: WebAssembly.Table;
  /** Each region's callouts, by its table index. */
  private readonly handlers: (CalloutFn | undefined)[] = [];
  private readonly steps: (CalloutFn | undefined)[] = [];
  /** Byte offset of the cache in the arena. */
  readonly cache: number;
  /** Byte offset of the chain target: three int32, label, EIP base and table index. */
  readonly target: number;
  private readonly words: Int32Array;
  private readonly free: number[] = [];
  private size = 0;
  /**
   * The region whose handler ran last: which instruction (-1: none yet),
   * its page's EIP base and its fault tables. A fault may come from a
   * region entered by a chain, not from the one the dispatcher called.
   */
  k = -1;
  base = 0;
  tables: FaultTables | null = null;

  constructor(private readonly arena: Arena) {
    this.words = arena.int32(2 * CHAIN_ENTRIES + 3);
    this.cache = this.words.byteOffset;
    this.target = this.cache + 8 * CHAIN_ENTRIES;
    this.clear();
  }

  /**
   * Forget every entry and region: a new engine starts on the processor
   * (the old one's regions would not hear of stores to their code), with a
   * new table and trampoline, so that nothing keeps the old regions alive.
   */
  clear(): void {
    this.words.fill(0);
    this.table = new WebAssembly.Table({ element: "anyfunc", initial: 64 });
    this.free.length = 0;
    this.size = 0;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(trampolineBytes(this.arena, this.target)), {
      m: { mem: this.arena.memory, tab: this.table },
    });
    this.run = instance.exports.enter as Trampoline;
    this.handlers.length = 0;
    this.steps.length = 0;
    const handlers = this.handlers;
    const steps = this.steps;
    const callouts = new WebAssembly.Instance(new WebAssembly.Module(calloutBytes(this.arena)), {
      m: { mem: this.arena.memory },
      f: {
        h: (k: number, base: number, index: number) => (handlers[index] as CalloutFn)(k, base),
        s: (off: number, base: number, index: number) => (steps[index] as CalloutFn)(off, base),
      },
    });
    this.callouts = new WebAssembly.Table({ element: "anyfunc", initial: 2, maximum: 2 });
    this.callouts.set(Callout.HANDLER, callouts.exports.h);
    this.callouts.set(Callout.STEP, callouts.exports.s);
  }

  /** A free table index, for a region about to be compiled (its callouts pass it). */
  reserve(): number {
    let index = this.free.pop();
    if (index === undefined) {
      index = this.size++;
      if (index >= this.table.length) this.table.grow(this.table.length);
    }
    return index;
  }

  /** The region function `fn`, with callouts `h` and `s`, at table `index` (from `reserve`). */
  install(index: number, fn: unknown, h: CalloutFn, s: CalloutFn): void {
    this.table.set(index, fn);
    this.handlers[index] = h;
    this.steps[index] = s;
  }

  /** Table `index` (from `reserve`) is free again. */
  release(index: number): void {
    this.table.set(index, null);
    this.handlers[index] = undefined;
    this.steps[index] = undefined;
    this.free.push(index);
  }

  /** The block at `phys`, in `mode`, is in the region at table `index`. */
  enter(phys: number, mode: number, index: number): void {
    const slot = chainSlot(phys);
    this.words[2 * slot] = phys;
    this.words[2 * slot + 1] = (index << MODE_BITS) | (mode + 1);
  }

  /** Physical page `page`'s code changed: forget its entries and free the table `indices` of its regions. */
  dropPage(page: number, indices: readonly number[]): void {
    const w = this.words;
    // Only the slots the page's 4096 addresses hash to can hold its entries.
    for (let phys = page << 12, end = phys + 0x1000; phys !== end; phys++) {
      const slot = chainSlot(phys);
      if (w[2 * slot] === phys) w[2 * slot + 1] = 0;
    }
    for (const index of indices) this.release(index);
  }
}

/**
 * The trampoline's module: enter(label, base, tlb, index) calls the region
 * at `index` and, while it answers CHAINED, the target it left at `target`.
 */
function trampolineBytes(arena: Arena, target: number): Uint8Array {
  const LABEL = 0;
  const BASE = 1;
  const TLB = 2;
  const INDEX = 3;
  const ANSWER = 4;
  const b = new Body();
  const again = b.loop();
  b.get(LABEL).get(BASE).get(TLB).get(INDEX);
  b.callIndirect(1); // RUN: the type after enter's
  b.tee(ANSWER).i32(CHAINED).op(Op.i32_ne);
  b.if();
  b.get(ANSWER).op(Op.return);
  b.end();
  b.i32(0).mem(Op.i32_load, target).set(LABEL);
  b.i32(0)
    .mem(Op.i32_load, target + 4)
    .set(BASE);
  b.i32(0)
    .mem(Op.i32_load, target + 8)
    .set(INDEX);
  b.br(again);
  b.end();
  b.op(Op.unreachable);
  const enter = { params: [Ty.I32, Ty.I32, Ty.I32, Ty.I32], results: [Ty.I32], locals: [Ty.I32], body: b, export: "enter" };
  return moduleBytes(arena.pages, [], [enter], { table: true, types: [RUN] });
}

/**
 * The callouts' module: h and s, which call the TypeScript functions of the
 * same names with the same arguments (a table holds WebAssembly functions only).
 */
function calloutBytes(arena: Arena): Uint8Array {
  const forward = (fn: number, name: string) => {
    const b = new Body();
    b.get(0).get(1).get(2).call(fn);
    return { ...CALLOUT, locals: [], body: b, export: name };
  };
  return moduleBytes(
    arena.pages,
    [
      { name: "h", ...CALLOUT },
      { name: "s", ...CALLOUT },
    ],
    [forward(Callout.HANDLER, "h"), forward(Callout.STEP, "s")],
  );
}
