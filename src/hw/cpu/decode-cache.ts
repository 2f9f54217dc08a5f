/**
 * Decoded instructions kept by physical address, so an engine decodes each
 * instruction once rather than every time it runs. An entry is valid for
 * the code-segment size it was decoded under (CS.D changes how the same
 * bytes decode). Instructions that straddle a page boundary are not kept:
 * their bytes depend on two translations.
 *
 * Coherence: the processor marks pages in `cpu.codePages`; any store to a
 * marked page (CPU, string fast paths, stores announced with
 * `cpu.ramWritten`) calls back here, and exactly the instructions whose
 * bytes the store touched are dropped. Code and data often share a page
 * (real-mode programs, small kernels); dropping the whole page on every
 * data store would decode the page's code over and over.
 *
 * The cache is shared by the engines on one processor: the block compiler
 * builds its code from these records and listens (`onPageChanged`) for
 * drops, so that it can discard what it compiled from the page.
 */
import type { Cpu } from "./cpu.js";
import { MAX_INSN_LEN } from "./decoder.js";
import { ABANDON } from "./fault.js";
import type { Insn } from "./insn.js";

/**
 * One page's decoded instructions: by offset in a map (a code page has a
 * few hundred decoded, where an array of 4,096 slots took 32 KiB a page,
 * some 1,500 pages in a boot), and their lengths by offset, which stores
 * into the page are checked against byte by byte (cpu-loop stores into its
 * own code page every round; probing the map there made it 60% slower).
 */
class PageDecodes {
  readonly insns = new Map<number, Insn>();
  /** The length of the instruction kept at each offset; 0: none. */
  readonly lengths = new Uint8Array(0x1000);
}

export class DecodeCache {
  /** By physical page; filled with undefined up front so that V8 keeps fast (not dictionary) elements. */
  private readonly pages: (PageDecodes | undefined)[];
  /** Decodes dropped because their page was written (statistics). */
  invalidations = 0;
  /** Called after instructions of physical page `page` were dropped. */
  onPageChanged: ((page: number) => void) | null = null;

  constructor(private readonly cpu: Cpu) {
    this.pages = new Array(cpu.codePages.length).fill(undefined);
    cpu.onCodeWrite = (phys, len) => this.written(phys, len);
    cpu.storeHitsCode = (phys, len) => this.overlaps(phys, len);
  }

  /** The instruction decoded at `phys` under CS.D = `big`, if kept. */
  get(phys: number, big: boolean): Insn | undefined {
    const i = this.pages[phys >>> 12]?.insns.get(phys & 0xfff);
    return i !== undefined && i.big === big ? i : undefined;
  }

  /** Keep `insn`, decoded from `phys` (it must not straddle a page). */
  put(phys: number, insn: Insn): void {
    const n = phys >>> 12;
    const page = (this.pages[n] ??= new PageDecodes());
    page.insns.set(phys & 0xfff, insn);
    page.lengths[phys & 0xfff] = insn.len;
    this.cpu.codePages[n] = 1;
  }

  /** Whether `len` bytes at `phys`, all in one page, include bytes of a kept instruction. */
  overlaps(phys: number, len: number): boolean {
    const lengths = this.pages[phys >>> 12]?.lengths;
    if (lengths === undefined) return false;
    const off = phys & 0xfff;
    for (let k = Math.max(0, off - MAX_INSN_LEN + 1); k < Math.min(0x1000, off + len); k++) {
      if (lengths[k] !== 0 && k + lengths[k] > off) return true;
    }
    return false;
  }

  /**
   * `len` bytes at `phys`, all in one page, are about to be stored to: drop
   * the decodes that include them. An inline access of compiled code (see
   * `Cpu.compiledAccess`) that would drop one is abandoned instead.
   */
  written(phys: number, len: number): void {
    const n = phys >>> 12;
    const page = this.pages[n];
    if (page === undefined) return;
    const { insns, lengths } = page;
    const off = phys & 0xfff;
    // An instruction is at most 15 bytes and never straddles a kept page.
    const from = Math.max(0, off - MAX_INSN_LEN + 1);
    const to = Math.min(0x1000, off + len);
    let dropped = 0;
    for (let k = from; k < to; k++) {
      if (lengths[k] === 0 || k + lengths[k] <= off) continue;
      if (this.cpu.compiledAccess) throw ABANDON;
      insns.delete(k);
      lengths[k] = 0;
      dropped++;
    }
    if (dropped === 0) return;
    this.invalidations += dropped;
    // A page with no instructions kept is no longer a code page.
    if (insns.size === 0) {
      this.pages[n] = undefined;
      this.cpu.codePages[n] = 0;
    }
    this.onPageChanged?.(n);
  }
}
