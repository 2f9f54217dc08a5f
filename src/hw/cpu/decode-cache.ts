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
 */
import type { Cpu } from "./cpu.js";
import { MAX_INSN_LEN } from "./decoder.js";
import type { Insn } from "./insn.js";

export class DecodeCache {
  private readonly pages: ((Insn | undefined)[] | undefined)[] = [];
  /** Decodes dropped because their page was written (statistics). */
  invalidations = 0;

  constructor(private readonly cpu: Cpu) {
    cpu.onCodeWrite = (phys, len) => this.written(phys, len);
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
      this.cpu.codePages[n] = 1;
    }
    page[phys & 0xfff] = insn;
  }

  /** `len` bytes at `phys`, all in one page, were stored to: drop the decodes that include them. */
  written(phys: number, len: number): void {
    const page = this.pages[phys >>> 12];
    if (page === undefined) return;
    const off = phys & 0xfff;
    // An instruction is at most 15 bytes and never straddles a kept page.
    for (let k = Math.max(0, off - MAX_INSN_LEN + 1); k < off + len; k++) {
      if (page[k] !== undefined) {
        page[k] = undefined;
        this.invalidations++;
      }
    }
  }
}
