/**
 * Chaining compiled regions inside WebAssembly.
 *
 * A region that branches out of itself used to return to the dispatcher,
 * which copied the slots to the Cpu, found the code at the new EIP, copied
 * the slots back and called into WebAssembly again: two crossings of the
 * JavaScript/WebAssembly boundary per transfer between regions (the
 * paper's chaining is what avoids this in a binary translator). Now a
 * region looks the target up itself and tail-calls it:
 *
 *   - every region's function sits in one shared function table;
 *   - a direct-mapped cache in the arena maps (physical address of a block
 *     start, mode) to the table index of the region that owns the block;
 *   - at its way out, a region of 32-bit code translates the new EIP as the
 *     dispatcher's `follow` does (CS limit, the TLB entry granting the
 *     fetch, the page wholly inside CS) and, on a hit, leaves with
 *     `return_call_indirect` into the target with the same arguments the
 *     dispatcher would pass. On a miss it returns to the dispatcher, as
 *     before.
 *
 * A near branch changes nothing the dispatcher looks at between blocks
 * (see `BlockEngine.follow`), so this is the same decision made sooner.
 * Entries are dropped with their page's compiled code.
 */
import type { Arena } from "../../arena.js";
import type { FaultTables } from "../ledger.js";

/** Cache entries (a power of two): 8 bytes each, physical address and (table index << 3 | mode + 1). */
export const CHAIN_ENTRIES = 1 << 14;

/** The cache slot of physical address `phys` (compile.ts computes the same in WebAssembly). */
export function chainSlot(phys: number): number {
  return (phys ^ (phys >>> 11)) & (CHAIN_ENTRIES - 1);
}

export class Chains {
  /** The shared function table every region module imports. */
  table: WebAssembly.Table;
  /** Byte offset of the cache in the arena. */
  readonly cache: number;
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

  constructor(arena: Arena) {
    this.table = new WebAssembly.Table({ element: "anyfunc", initial: 64 });
    this.words = arena.int32(2 * CHAIN_ENTRIES);
    this.cache = this.words.byteOffset;
  }

  /**
   * Forget every entry and region: a new engine starts on the processor
   * (the old one's regions would not hear of stores to their code). The
   * table is a new one: V8 updates every instance that imports a table on
   * each store into it, so the old engine's instances must not stay
   * attached to the table the new one fills.
   */
  clear(): void {
    this.words.fill(0);
    this.table = new WebAssembly.Table({ element: "anyfunc", initial: 64 });
    this.free.length = 0;
    this.size = 0;
  }

  /** A table index holding region function `fn`. */
  add(fn: unknown): number {
    let index = this.free.pop();
    if (index === undefined) {
      index = this.size++;
      if (index >= this.table.length) this.table.grow(this.table.length);
    }
    this.table.set(index, fn);
    return index;
  }

  /** The block at `phys`, in `mode`, is in the region at table `index`. */
  enter(phys: number, mode: number, index: number): void {
    const slot = chainSlot(phys);
    this.words[2 * slot] = phys;
    this.words[2 * slot + 1] = (index << 3) | (mode + 1);
  }

  /** Physical page `page`'s code changed: forget its entries and free the table `indices` of its regions. */
  dropPage(page: number, indices: readonly number[]): void {
    const w = this.words;
    for (let slot = 0; slot < CHAIN_ENTRIES; slot++) {
      if (w[2 * slot + 1] !== 0 && w[2 * slot] >>> 12 === page) w[2 * slot + 1] = 0;
    }
    for (const index of indices) {
      this.table.set(index, null);
      this.free.push(index);
    }
  }
}
