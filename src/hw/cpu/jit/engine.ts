/**
 * The block compiler's engine: a dispatcher that runs compiled regions,
 * runs code that is not hot yet as threaded blocks (threaded.ts), and
 * hands everything else to the interpreter it wraps.
 *
 * It keeps the interpreter's contract exactly — same steps, same cycles,
 * same state at every exit — so that the engines are interchangeable
 * mid-run and a test can compare them. The interpreter executes:
 *   - every instruction while something needs looking at between
 *     instructions: an interrupt to deliver, an interrupt shadow, HLT,
 *     single-step, breakpoints, gateways, a stop request;
 *   - what neither compiled code nor a threaded block can take (an
 *     instruction crossing a page, one that faults at decode, a page that
 *     is not wholly inside the code segment, a block longer than the
 *     steps left);
 *   - an instruction compiled code or a threaded block abandoned (ABANDON:
 *     a device access, a store over code).
 *
 * What the engine knows of an offset where control arrives (its heat, its
 * compiled code, its threaded block) is one `Site`, kept per physical page
 * and per processor mode (the bits the generated code depends on), and
 * dropped as soon as the decode cache reports a store to the page's
 * instructions. After a threaded block the next site is found through
 * links the block's site keeps to the sites that followed it before.
 */
import type { Cpu, ExitReason } from "../cpu.js";
import { CS } from "../cpu.js";
import { MAX_INSN_LEN } from "../decoder.js";
import { ABANDON, CpuFault } from "../fault.js";
import { IF, RF, TF } from "../flags.js";
import { Interpreter, type InterruptSource } from "../interpreter.js";
import { raise } from "../interrupts.js";
import { compileRegion } from "./codegen.js";
import type { RegionCode } from "./ledger.js";
import { MODES, Mode, modeOf } from "./mode.js";
import { PackedStore } from "./packed.js";
import { findRegion, MAX_BLOCK, MAX_REGION_JS, MAX_REGION_WASM, PageCode } from "./region.js";
import { type ThreadedBlock, ThreadedRunner, threadedBlock } from "./threaded.js";
import { compileRegionWasm, enterRegion } from "./wasm/compile.js";
import { type Layout, layoutOf } from "./wasm/layout.js";

/**
 * Executions of a block start before it is compiled. Lowered from 3,000
 * once flat-segment code and fall-through cases made compiled code cheaper:
 * kernel initialisation 4.2-4.5 s -> 3.7-3.9 s, fork+exec unchanged within
 * the noise, guest cycles the same.
 */
const HOT = 1_000;
/** Entries in the dispatcher's cache of recent sites (a power of two). */
const RECENT = 4096;
/** A site's key: its physical address and mode in one number (successor links, the recent-site cache). */
function siteKey(phys: number, mode: number): number {
  return phys * MODES + mode;
}
/** Heat of an offset whose instruction cannot be compiled. */
const NEVER = -1;

/**
 * What the engine knows of one offset where control arrived, in one mode:
 * one object, so that the dispatcher finds all of it with one look.
 */
class Site implements ThreadedBlock {
  /** Executions seen before compiling (NEVER: it cannot be compiled). */
  heat = 0;
  /** Compiled code with a block here. */
  code: RegionCode | null = null;
  /** The chain-table index of the WebAssembly region that owns the block (-1: none), entered without `code` (compile.ts enterRegion). */
  region = -1;
  /**
   * The threaded block from here, kept in the site itself (one object
   * fewer for the dispatcher to reach): whether it is built (`Built`) and
   * its fields (threaded.ts).
   */
  built = Built.NOT_YET;
  words: Int32Array = NO_WORDS;
  at = 0;
  count = 0;
  endsWithRep = false;
  readsEip = false;
  /**
   * The sites where control went after this site's threaded block (a
   * direct branch gives a block two ways on: falling through and the
   * target), by key physical address · MODES + mode, valid while `linked` is
   * the engine's `epoch`. The dispatcher finds them without its page
   * look-up, whose loads (sites by page and mode, then by offset) line
   * profiles showed missing the cache in kernel code.
   */
  linked = -1;
  key0 = -1;
  next0: Site | null = null;
  key1 = -1;
  next1: Site | null = null;
}

const enum Built {
  NOT_YET = 0,
  YES = 1,
  /** No threaded block can start here (its first instruction cannot run from the page). */
  NONE = 2,
}
const NO_WORDS = new Int32Array(0);

class CodePage {
  /** Some site has compiled code. */
  compiled = false;
  /** Chain-table indices of the WebAssembly regions compiled from the page (chain.ts). */
  chained: number[] = [];
}

/** Statistics for benchmarks and tests. */
export interface JitStats {
  regionsCompiled: number;
  pagesInvalidated: number;
  compiledSteps: number;
  /** Calls into compiled code. */
  dispatches: number;
  /** Branches out of a region that compiled code could not chain itself (the engine's `follow` took them). */
  follows: number;
  /** Steps taken in threaded blocks (threaded.ts). */
  threadedSteps: number;
  /** Threaded blocks run (threadedSteps / threadedRuns: how far a block goes on average). */
  threadedRuns: number;
  interpretedSteps: number;
}

export interface BlockEngineOptions {
  /**
   * Executions of a block start before it is compiled (default 1,000; 0
   * compiles at once; Infinity never compiles: threaded blocks only).
   */
  readonly hot?: number;
  /** Longest block in instructions (tests use 1 to compile instruction by instruction). */
  readonly maxBlock?: number;
  /**
   * What regions become: WebAssembly (default) or JavaScript functions.
   * WebAssembly needs RAM in the processor's arena; without it, JavaScript.
   */
  readonly backend?: Backend;
}

export type Backend = "wasm" | "js";

export class BlockEngine {
  readonly interpreter: Interpreter;
  private readonly threaded: ThreadedRunner;
  /** Where threaded blocks keep their instructions. */
  private readonly packed = new PackedStore();
  /** By physical page (filled up front: fast elements, see DecodeCache). */
  private readonly pages: (CodePage | undefined)[];
  /**
   * Sites by physical page · MODES + mode (mode.ts), then by offset: one
   * array fewer on the way than through the page (filled up front). A page
   * has a few dozen sites, so a map: an array by offset was 32 KiB a page,
   * some 1,500 of them in a boot, and their copying by the young
   * generation's collector was most of its 250 ms.
   */
  private readonly sites: (Map<number, Site> | undefined)[];
  readonly stats: JitStats = {
    regionsCompiled: 0,
    pagesInvalidated: 0,
    compiledSteps: 0,
    dispatches: 0,
    follows: 0,
    threadedSteps: 0,
    threadedRuns: 0,
    interpretedSteps: 0,
  };

  private readonly hot: number;
  private readonly maxBlock: number;
  /**
   * Sites the dispatcher looked up lately, by a hash of key (physical
   * address · MODES + mode): 48 KiB that stay in the cache, where each
   * page's array of sites by offset is 32 KiB of its own and, after
   * compiled code returns, a line profile showed the load from it
   * missing the cache.
   */
  private readonly recentKeys = new Float64Array(RECENT).fill(-1);
  private readonly recentSites: (Site | undefined)[] = new Array(RECENT).fill(undefined);
  /** Bumped whenever sites are dropped: the successor links made before are void (Site.linked). */
  private epoch = 0;
  /** Where WebAssembly regions find the processor; null: regions are JavaScript. */
  private readonly layout: Layout | null;

  constructor(
    readonly cpu: Cpu,
    options: BlockEngineOptions = {},
  ) {
    this.hot = options.hot ?? HOT;
    this.maxBlock = options.maxBlock ?? MAX_BLOCK;
    this.layout = (options.backend ?? "wasm") === "wasm" && cpu.arena.holds(cpu.bus.ram) ? layoutOf(cpu) : null;
    this.layout?.chains.clear();
    this.interpreter = new Interpreter(cpu);
    this.threaded = new ThreadedRunner(cpu);
    this.pages = new Array(cpu.codePages.length).fill(undefined);
    this.sites = new Array(cpu.codePages.length * MODES).fill(undefined);
    this.interpreter.cache.onPageChanged = (page) => this.pageChanged(page);
  }

  get interrupts(): InterruptSource | null {
    return this.interpreter.interrupts;
  }
  set interrupts(source: InterruptSource | null) {
    this.interpreter.interrupts = source;
  }

  /** One step, by the interpreter (a block engine's steps are only faster in runs). */
  step(): ExitReason | null {
    return this.interpreter.step();
  }

  /** Run until an exit or until `budget` steps have been taken, as `Interpreter.run`. */
  run(budget: number): ExitReason {
    const cpu = this.cpu;
    const interp = this.interpreter;
    let steps = 0;
    /** The site whose threaded block ran just before (its successor links are looked at first). */
    let from: Site | null = null;
    while (steps < budget) {
      let site: Site | null = null;
      /** Physical address of CS:EIP where there is a site. */
      let at = -1;
      const must = this.mustInterpret();
      if (!must) {
        let phys = cpu.cachedCodeAddress(cpu.eip);
        if (phys < 0) {
          // Translate the fetch as the interpreter would (it may walk, and fault).
          try {
            phys = cpu.codeAddress(cpu.eip);
          } catch (e) {
            if (!(e instanceof CpuFault)) throw e;
            steps++;
            this.stats.interpretedSteps++;
            const exit = raise(cpu, e);
            if (exit) return exit;
            continue;
          }
        }
        if (phys >= 0) {
          site = from !== null ? this.successor(from, phys) : this.siteAt(phys);
          at = phys;
        }
      }
      from = null;
      const code = site?.code ?? null;
      // Not hot yet: a threaded block.
      let threaded = code === null && site !== null && site.built === Built.YES;
      if (code !== null) {
        cpu.jitLeft = budget - steps;
        cpu.blockExit = false;
        cpu.compiledAccess = true;
        // A WebAssembly region's block (`region`: only with a layout) is entered by its table index.
        const region = (site as Site).region;
        let result = region >= 0 ? enterRegion(cpu, this.layout as Layout, region, at, modeOf(cpu), this.follow) : code(cpu, at & 0xfff);
        while (typeof result === "function") result = result(cpu, cpu.jitLabel);
        cpu.compiledAccess = false;
        const taken = budget - steps - cpu.jitLeft;
        this.stats.dispatches++;
        this.stats.compiledSteps += taken;
        steps += taken;
        if (result === null) {
          if (cpu.stopRequest) return cpu.stopRequest;
          if (taken > 0) continue;
          // Not enough steps left for the block: its first instructions, threaded.
          threaded = this.built(site as Site, at);
        } else if (result !== ABANDON) return result;
      }
      if (threaded) {
        // The whole block, or as much of it as the budget has room for (the budget ends inside it).
        const b = site as Site;
        const whole = b.count <= budget - steps;
        const result = this.threaded.run(b, whole ? b.count : budget - steps);
        const taken = this.threaded.taken;
        steps += taken;
        this.stats.threadedSteps += taken;
        this.stats.threadedRuns++;
        if (result === null) {
          if (cpu.stopRequest) return cpu.stopRequest;
          // After part of a block EIP is inside it: not a way on worth a link.
          if (whole) from = b;
          continue;
        }
        if (result !== ABANDON) return result;
      }
      // Interpret one instruction where there is a site (an abandoned
      // instruction, one crossing the page, the end of the budget): the
      // next may run threaded or compiled. Where there is none (the page is
      // not wholly inside CS, or something must be looked at before each
      // instruction), go on while execution runs straight on, and while
      // there is still something to look at if that was why (after STI, an
      // interrupt delivered or a stop, the code that follows need not be
      // interpreted).
      for (;;) {
        const from = cpu.eip;
        steps++;
        this.stats.interpretedSteps++;
        const exit = interp.step();
        if (exit) return exit;
        const ahead = cpu.eip - from;
        if (site !== null || steps >= budget || ahead <= 0 || ahead > MAX_INSN_LEN || cpu.stopRequest) break;
        if (must && !this.mustInterpret()) break;
      }
    }
    return { kind: "budget" };
  }

  /** Something must be looked at before the next instruction (the interpreter does). */
  private mustInterpret(): boolean {
    const cpu = this.cpu;
    return (
      cpu.inhibitInterrupts ||
      cpu.halted ||
      cpu.stopRequest !== null ||
      (cpu.flags & (TF | RF)) !== 0 ||
      cpu.insnBreakpoints ||
      cpu.dataBreakpoints ||
      cpu.gateways.size !== 0 ||
      ((cpu.flags & IF) !== 0 && this.interpreter.interrupts?.pending === true)
    );
  }

  /**
   * Where compiled code goes when it branches out of its region (to another
   * page, or to an offset of its page that another region has not taken):
   * the compiled code at the new EIP if there is some, so that the loop in
   * `run` goes on without a look at the machine. That look is not needed:
   * a near branch changes nothing `mustInterpret` tests (instructions that
   * can end their block and return to the dispatcher instead). No heat is
   * counted and nothing is compiled here; null hands over to the dispatcher.
   */
  private readonly follow: RegionCode = (cpu) => {
    this.stats.follows++;
    if (cpu.stopRequest !== null) return null;
    const phys = cpu.cachedCodeAddress(cpu.eip);
    if (phys < 0) return null;
    const code = this.compiledAt(phys);
    if (code === null) return null;
    cpu.jitLabel = phys & 0xfff;
    return code;
  };

  /** Compiled code with a block at CS:EIP (physical address `phys`), if any, without counting heat. */
  private compiledAt(phys: number): RegionCode | null {
    if (!this.pageInCs(phys)) return null;
    return this.sites[(phys >>> 12) * MODES + modeOf(this.cpu)]?.get(phys & 0xfff)?.code ?? null;
  }

  /**
   * The page of EIP (at physical `phys`) lies wholly inside CS (and, for
   * 16-bit code, below 64 KiB), so that no instruction in it needs a limit
   * check or wraps: compiled code may run there.
   */
  private pageInCs(phys: number): boolean {
    const cpu = this.cpu;
    const base = cpu.eip - (phys & 0xfff);
    return base >= 0 && base + 0xfff <= cpu.segHi[CS] && (cpu.csBig || base + 0xfff <= 0xffff);
  }

  /**
   * The site of CS:EIP (physical address `phys`), with its compiled code
   * (compiled here once the offset is hot) or else its threaded block;
   * null: interpret.
   */
  private siteAt(phys: number): Site | null {
    if (!this.pageInCs(phys)) return null;
    const mode = modeOf(this.cpu);
    const key = siteKey(phys, mode);
    const slot = (phys ^ (phys >>> 12) ^ mode) & (RECENT - 1);
    let site = this.recentKeys[slot] === key ? (this.recentSites[slot] as Site) : undefined;
    if (site === undefined) {
      site = this.find(phys, mode);
      this.recentKeys[slot] = key;
      this.recentSites[slot] = site;
    }
    return this.visit(site, phys);
  }

  /** `siteAt` after the threaded block of `from`: through its links, made here when they miss. */
  private successor(from: Site, phys: number): Site | null {
    if (!this.pageInCs(phys)) return null;
    const mode = modeOf(this.cpu);
    const key = siteKey(phys, mode);
    if (from.linked === this.epoch) {
      if (from.key0 === key) return this.visit(from.next0 as Site, phys);
      if (from.key1 === key) return this.visit(from.next1 as Site, phys);
    } else {
      from.linked = this.epoch;
      from.key0 = -1;
      from.key1 = -1;
    }
    const site = this.find(phys, mode);
    // The first two ways on stay linked (a third, an indirect branch's, goes the long way).
    if (from.key0 === -1) {
      from.key0 = key;
      from.next0 = site;
    } else if (from.key1 === -1) {
      from.key1 = key;
      from.next1 = site;
    }
    return this.visit(site, phys);
  }

  /** The site of physical address `phys` in `mode`, made if there is none. */
  private find(phys: number, mode: number): Site {
    const n = phys >>> 12;
    let sites = this.sites[n * MODES + mode];
    if (sites === undefined) {
      sites = new Map();
      this.sites[n * MODES + mode] = sites;
      this.pages[n] ??= new CodePage();
    }
    let site = sites.get(phys & 0xfff);
    if (site === undefined) {
      site = new Site();
      sites.set(phys & 0xfff, site);
    }
    return site;
  }

  /** Control arrives at `site` (physical address `phys`, CS:EIP): count its heat, build its block, compile it when hot. */
  private visit(site: Site, phys: number): Site {
    if (site.code !== null || site.heat === NEVER) return site;
    const off = phys & 0xfff;
    const n = phys >>> 12;
    if (site.heat < this.hot) {
      site.heat++;
      this.built(site, phys);
      return site;
    }
    this.compile(n, off, modeOf(this.cpu));
    return site;
  }

  /** `site`, at CS:EIP (physical address `phys`), has its threaded block (built here if it was not tried yet). */
  private built(site: Site, phys: number): boolean {
    if (site.built === Built.NOT_YET) {
      const off = phys & 0xfff;
      const n = phys >>> 12;
      const block = threadedBlock(
        new PageCode(this.cpu, this.interpreter.cache, n, this.cpu.eip - off, this.cpu.csBig),
        off,
        this.maxBlock,
        this.packed,
      );
      site.built = block === null ? Built.NONE : Built.YES;
      if (block !== null) {
        site.words = block.words;
        site.at = block.at;
        site.count = block.count;
        site.endsWithRep = block.endsWithRep;
        site.readsEip = block.readsEip;
        // Control will arrive where the block jumps or calls inside itself: regions compiled later take those blocks in.
        for (const t of block.entered) {
          const other = this.find((n << 12) | t, modeOf(this.cpu));
          if (other.heat === 0) other.heat = 1;
        }
      }
    }
    return site.built === Built.YES;
  }

  /**
   * A new region from offset `off` of page `n` (which has a site there) in
   * the current `mode`. Regions never grow or get rebuilt: a later hot
   * offset gets a region of its own (code may then be compiled twice,
   * which costs less than recompiling).
   */
  private compile(n: number, off: number, mode: number): void {
    const cpu = this.cpu;
    const page = this.pages[n] as CodePage;
    const sites = this.sites[n * MODES + mode] as Map<number, Site>;
    const site = sites.get(off) as Site;
    const maxRegion = this.layout ? MAX_REGION_WASM : MAX_REGION_JS;
    const reached = (t: number): boolean => (sites.get(t)?.heat ?? 0) !== 0;
    const owned = (t: number): boolean => (sites.get(t)?.code ?? null) !== null;
    const region = findRegion(
      cpu,
      this.interpreter.cache,
      n,
      cpu.eip - off,
      cpu.csBig,
      off,
      this.maxBlock,
      maxRegion,
      reached,
      owned,
      this.layout !== null,
    );
    if (region.blocks.length === 0 || region.blocks[0].start !== off) {
      // The instruction here cannot be compiled: never try again while the page is unchanged.
      site.heat = NEVER;
      return;
    }
    const wasm = this.layout ? compileRegionWasm(cpu, this.layout, region, mode, this.follow) : null;
    const compiled = wasm !== null ? wasm.code : compileRegion(region, (mode & Mode.USER) !== 0, this.follow);
    page.compiled = true;
    this.stats.regionsCompiled++;
    site.code = compiled;
    for (const b of region.blocks) {
      const other = this.find((n << 12) | b.start, mode);
      other.code ??= compiled;
      // Where this region owns the block, other regions chain to it, and the dispatcher enters it by its index.
      if (wasm !== null && other.code === compiled) {
        other.region = wasm.index;
        this.layout?.chains.enter((n << 12) | b.start, mode, wasm.index);
      }
    }
    if (wasm !== null) page.chained.push(wasm.index);
  }

  /** The decode cache dropped instructions of physical page `n`: drop its compiled code and threaded blocks. */
  private pageChanged(n: number): void {
    const page = this.pages[n];
    if (page === undefined) return;
    // Links to the sites dropped here may be anywhere: drop them all.
    this.epoch++;
    if (page.compiled) {
      page.compiled = false;
      this.layout?.chains.dropPage(n, page.chained);
      page.chained = [];
      this.stats.pagesInvalidated++;
      this.cpu.blockExit = true;
    }
    this.sites.fill(undefined, n * MODES, (n + 1) * MODES);
    const first = siteKey(n * 0x1000, 0);
    const end = siteKey((n + 1) * 0x1000, 0);
    for (let k = 0; k < RECENT; k++) {
      if (this.recentKeys[k] >= first && this.recentKeys[k] < end) {
        this.recentKeys[k] = -1;
        this.recentSites[k] = undefined;
      }
    }
  }
}
