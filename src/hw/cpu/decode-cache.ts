/**
 * Decoded instructions kept by physical address, so an engine decodes each
 * instruction once rather than every time it runs. An entry is valid for
 * the code-segment size it was decoded under (CS.D changes how the same
 * bytes decode). Instructions that straddle a page boundary are not kept:
 * their bytes depend on two translations.
 *
 * Coherence: the processor marks pages in `cpu.codePages`; any store to a
 * marked page (CPU, string fast paths, devices through the bus) calls back
 * here and the page's decodes are dropped.
 */
import type { Cpu } from "./cpu.js";
import type { Insn } from "./insn.js";

export class DecodeCache {
  private readonly pages: (Insn[] | undefined)[] = [];
  /** Decodes dropped because their page was written (statistics). */
  invalidations = 0;

  constructor(private readonly cpu: Cpu) {
    cpu.onCodeWrite = (page) => this.drop(page);
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

  drop(n: number): void {
    if (this.pages[n] === undefined) return;
    this.pages[n] = undefined;
    this.invalidations++;
  }
}
