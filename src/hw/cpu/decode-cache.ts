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

export class DecodeCache {
  /** By physical page; filled with undefined up front so that V8 keeps fast (not dictionary) elements. */
  private readonly pages: ((Insn | undefined)[] | undefined)[];
  /** Instructions kept per page; a page with none is no longer a code page. */
  private readonly counts: Uint16Array;
  /** Decodes dropped because their page was written (statistics). */
  invalidations = 0;
  /** Called after instructions of physical page `page` were dropped. */
  onPageChanged: ((page: number) => void) | null = null;

  constructor(private readonly cpu: Cpu) {
    this.counts = new Uint16Array(cpu.codePages.length);
    this.pages = new Array(cpu.codePages.length).fill(undefined);
    cpu.onCodeWrite = (phys, len) => this.written(phys, len);
    cpu.storeHitsCode = (phys, len) => this.overlaps(phys, len);
  }

  /** The instruction decoded at `phys` under CS.D = `big`, if kept. */
  get(phys: number, big: boolean): Insn | undefined {
    const page = this.pages[phys >>> 12];
    if (page === undefined) return undefined;
    const i = page[phys & 0xfff];
    return i !== undefined && i.big === big ? i : undefined;
  }

  /** Keep `insn`, decoded from `phys` (it must not straddle a page). */
  put(phys: number, insn: Insn): void {
    const n = phys >>> 12;
    let page = this.pages[n];
    if (page === undefined) {
      page = new Array(4096);
      this.pages[n] = page;
    }
    if (page[phys & 0xfff] === undefined) this.counts[n]++;
    page[phys & 0xfff] = insn;
    this.cpu.codePages[n] = 1;
  }

  /** Whether `len` bytes at `phys`, all in one page, include bytes of a kept instruction. */
  overlaps(phys: number, len: number): boolean {
    const page = this.pages[phys >>> 12];
    if (page === undefined) return false;
    const off = phys & 0xfff;
    for (let k = Math.max(0, off - MAX_INSN_LEN + 1); k < Math.min(0x1000, off + len); k++) {
      const i = page[k];
      if (i !== undefined && k + i.len > off) return true;
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
    const off = phys & 0xfff;
    // An instruction is at most 15 bytes and never straddles a kept page.
    const from = Math.max(0, off - MAX_INSN_LEN + 1);
    const to = Math.min(0x1000, off + len);
    let dropped = 0;
    for (let k = from; k < to; k++) {
      const i = page[k];
      if (i === undefined || k + i.len <= off) continue;
      if (this.cpu.compiledAccess) throw ABANDON;
      page[k] = undefined;
      dropped++;
    }
    if (dropped === 0) return;
    this.invalidations += dropped;
    this.counts[n] -= dropped;
    if (this.counts[n] === 0) {
      this.pages[n] = undefined;
      this.cpu.codePages[n] = 0;
    }
    this.onPageChanged?.(n);
  }
}
