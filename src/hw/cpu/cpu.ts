/**
 * The IA-32 processor's architectural state and its memory paths.
 *
 * State lives in typed arrays and plain number fields so that the
 * interpreter, the block compiler and the tests all read the same thing.
 * Memory accesses go segment → linear → physical:
 *
 *   read32(seg, off)   segment limit/type check (`segLo`/`segHi`, `segRW`)
 *   readLin32(lin)     paging: `translate(lin, write)` through the walker
 *   readPhys32(phys)   RAM by typed array, or the bus for MMIO
 *
 * Multi-byte accesses that cross a page are split so each byte is
 * translated (and a write faults before any byte is stored).
 */
import type { CostProfile } from "../cost/profile.js";
import { DEFAULT_PROFILE } from "../cost/profiles.js";
import { type Arena, arenaOf } from "./arena.js";
import type { AccessSize, CpuBus } from "./bus.js";
import { checkDataBreakpoints } from "./debug.js";
import { ABANDON, CpuFault, Vec } from "./fault.js";
import { AC, FIXED1, IF, Lz, readEflags, VM } from "./flags.js";
import { Fpu } from "./fpu/fpu.js";
import { PageWalker, T_ALL, T_RAM, T_RAMW, T_SUP_R, T_SUP_W, T_USER_R, T_USER_W } from "./paging.js";

/**
 * The processor's fields that hold unsigned 32-bit values or counts that
 * pass 2^31 (a kernel's addresses, CR0 with PG set, the cycle count).
 */
const UNSIGNED_FIELDS = [
  "eip",
  "lzDst",
  "lzSrc",
  "lzRes",
  "gdtBase",
  "idtBase",
  "cr0",
  "cr2",
  "cr3",
  "cycles",
  "instructions",
  "sysenterEsp",
  "sysenterEip",
  "apicBase",
  "tscOffset",
] as const;

/**
 * Store a number that is not a small integer into each of `fields` of `o`,
 * then put the value back. V8 keeps a field that has only held small
 * integers as one; the first other number it holds changes the object's
 * hidden class, and every optimised function that touches the object is
 * thrown away, to run unoptimised (boxing its numbers) until it is
 * optimised again. Widened at construction, nothing changes later: in a
 * Linux boot the processor's class changed at CR0.PG, at the cycle count
 * and the instruction count passing 2^31, and at the WRMSR of
 * SYSENTER_EIP during kernel initialisation, each time discarding the
 * whole hot path.
 */
function widenToDouble<T extends object>(o: T, fields: readonly (keyof T)[]): void {
  const r = o as Record<keyof T, unknown>;
  for (const f of fields) {
    const v = r[f];
    r[f] = 0.5;
    r[f] = v;
  }
}

export const EAX = 0;
export const ECX = 1;
export const EDX = 2;
export const EBX = 3;
export const ESP = 4;
export const EBP = 5;
export const ESI = 6;
export const EDI = 7;

export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;
export const LDTR = 6;
export const TR = 7;

export const SEG_NAMES = ["es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"];

/** CR0 bits. */
export const CR0_PE = 1;
export const CR0_MP = 2;
export const CR0_EM = 4;
export const CR0_TS = 8;
export const CR0_ET = 0x10;
export const CR0_NE = 0x20;
export const CR0_WP = 0x10000;
export const CR0_AM = 0x40000;
export const CR0_NW = 0x20000000;
export const CR0_CD = 0x40000000;
export const CR0_PG = 0x80000000;

/** CR4 bits. */
export const CR4_VME = 1;
export const CR4_PVI = 2;
export const CR4_TSD = 4;
export const CR4_DE = 8;
export const CR4_PSE = 0x10;
export const CR4_PAE = 0x20;
export const CR4_MCE = 0x40;
export const CR4_PGE = 0x80;
export const CR4_PCE = 0x100;

/**
 * Segment attributes, packed as in an SVM VMCB: bits 0–7 are descriptor
 * byte 5 (type, S, DPL, P), bits 8–11 its byte 6 high nibble (AVL, L, D/B, G).
 */
export const ATTR_TYPE = 0x0f;
export const ATTR_S = 0x10;
export const ATTR_P = 0x80;
export const ATTR_DB = 0x400;
export const ATTR_G = 0x800;
/** Real-mode / flat data segment: present, S, read/write, accessed. */
export const ATTR_DATA_RW = ATTR_P | ATTR_S | 0x3;
/** Code segment: present, S, execute/read, accessed. */
export const ATTR_CODE_RX = ATTR_P | ATTR_S | 0xb;

/** Why `run` returned. */
export type ExitReason =
  | { kind: "budget" } // the instruction budget ran out
  | { kind: "hlt" } // HLT with interrupts enabled: waiting for an interrupt
  | { kind: "halted" } // HLT with interrupts disabled: nothing will wake it
  | { kind: "stop"; status: number; why: string } // a device or the monitor asked to stop
  | { kind: "shutdown"; why: string } // triple fault
  | { kind: "exception"; fault: CpuFault }; // intercepted exception

/** A TypeScript function standing in for code at a gateway address. */
export type Gateway = (cpu: Cpu) => void;

export class Cpu {
  readonly bus: CpuBus;
  /** General registers EAX..EDI, with 16- and 8-bit views of the same bytes. */
  readonly regs: Int32Array;
  readonly regs16: Uint16Array;
  readonly regs8: Uint8Array;
  eip = 0;

  // EFLAGS: `flags` holds every bit except the arithmetic ones named in
  // `lazy`, which are computed from the lz* fields (see flags.ts).
  flags = FIXED1;
  lazy = 0;
  lzOp: Lz = Lz.LOGIC;
  lzDst = 0;
  lzSrc = 0;
  lzRes = 0;
  lzCin = 0;
  lzSize = 4;

  // Segment registers ES CS SS DS FS GS LDTR TR: visible selector and the
  // hidden descriptor cache. `segLo`/`segHi` are the valid offset range
  // (expand-down segments have lo > 0; an unusable segment has lo > hi).
  readonly segSel = new Uint16Array(8);
  readonly segBase: Uint32Array;
  readonly segLimit = new Uint32Array(8);
  readonly segAttr = new Uint16Array(8);
  readonly segLo = new Float64Array(8);
  readonly segHi: Float64Array;
  /** Bit 0: readable, bit 1: writable. */
  readonly segRW = new Uint8Array(8);
  /**
   * The same checks folded for compiled code: an access of `size` bytes at
   * `off` passes when segReadLo ≤ off and off + size − 1 ≤ segReadHi (an
   * unreadable segment has an empty range), likewise for writes.
   */
  readonly segReadLo: Float64Array;
  readonly segReadHi: Float64Array;
  readonly segWriteLo: Float64Array;
  readonly segWriteHi: Float64Array;
  /**
   * Bit 0: every offset may be read (segReadLo 0, segReadHi 0xFFFFFFFF)
   * and the base is 4-aligned; bit 1: the same for writes. Compiled code
   * skips the limit checks of such a segment for aligned accesses (the
   * flat segments of most 32-bit systems).
   */
  readonly segWhole: Uint8Array;

  gdtBase = 0;
  gdtLimit = 0xffff;
  idtBase = 0;
  idtLimit = 0x3ff;

  cr0 = CR0_ET;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  readonly dr = new Uint32Array(8);
  cpl = 0;

  /** Cached: CS.D (default operand/address size 32). */
  csBig = false;
  /** Cached: SS.B (stack pointer is ESP, not SP). */
  ssBig = false;
  /**
   * Cached: DS, ES and SS have base 0 and take every offset for reads and
   * writes, and SS is 32-bit (the flat segments of 32-bit systems). Compiled
   * code is specialized on it: its accesses through these segments then
   * need no segment base, limit check or stack-size test.
   */
  flat = false;

  /** What instructions and events cost (cycles); see src/hw/cost. */
  cost: CostProfile = DEFAULT_PROFILE;
  /** Guest time: cycles charged so far (RDTSC reads it). */
  cycles = 0;
  /** Instructions retired. */
  instructions = 0;

  // Model-specific registers we implement (SDM vol. 4).
  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;
  apicBase = 0xfee00900;
  /** CPUID.1:EDX.APIC: the machine sets it when it wires up a local APIC. */
  cpuidApic = false;
  /** PERFCTR0, PERFCTR1, EVNTSEL0, EVNTSEL1 as (low, high) pairs (see msr.ts). */
  readonly perfMsrs = new Uint32Array(8);
  /**
   * Cycles an I/O port access costs beyond its instruction (flat for now;
   * the cost profiles will set it per device class).
   */
  ioCycles = 0;
  /** TSC offset: RDTSC returns cycles + tscOffset (WRMSR to the TSC sets it). */
  tscOffset = 0;

  readonly fpu = new Fpu();

  // The last code page's translation (see fetch8); -1 when none.
  private codePage = -1;
  private codePhys = 0;
  private codeCpl = 0;
  readonly walker: PageWalker;

  /** DR7 arms an instruction breakpoint / a data breakpoint (see debug.ts). */
  insnBreakpoints = false;
  dataBreakpoints = false;
  /** DR6 B0–B3 bits of data breakpoints hit by the current instruction. */
  pendingDataHits = 0;

  /** HLT executed; cleared by an interrupt. */
  halted = false;
  /** One instruction of interrupt shadow after MOV SS / POP SS / STI. */
  inhibitInterrupts = false;
  /** Steps a block engine may still take in its current `run` (compiled code counts it down). */
  jitLeft = 0;
  /** Where compiled code that hands over to other compiled code of its page wants it to start. */
  jitLabel = 0;
  /** Set by devices or the monitor to leave `run` at the next boundary. */
  stopRequest: ExitReason | null = null;

  /**
   * Exception interception: called before an exception is delivered to the
   * guest; return true to take it (the monitor handles it, `run` returns an
   * "exception" exit). Tests use it to observe faults as values.
   */
  interceptException: ((fault: CpuFault) => boolean) | null = null;

  /** Gateways: linear code addresses whose "instructions" are TypeScript. */
  readonly gateways = new Map<number, Gateway>();

  /**
   * Per physical 4 KiB page of RAM: 1 while an engine holds decoded
   * instructions from it. A store to such a page calls `onCodeWrite` with
   * the bytes written, so self-modifying code (and an OS loading programs)
   * is seen at once.
   */
  readonly codePages: Uint8Array;
  /** The memory holding RAM (when the bus allocated it with `allocateRam`) and the state above. */
  readonly arena: Arena;
  /** Called before the store (see DecodeCache.written). */
  onCodeWrite: ((phys: number, len: number) => void) | null = null;
  /** Whether a store of `len` bytes at `phys` would change decoded instructions. */
  storeHitsCode: ((phys: number, len: number) => boolean) | null = null;

  /** RAM as aligned 16- and 32-bit words, for compiled code (the host is little-endian). */
  readonly ram16: Uint16Array;
  readonly ram32: Int32Array;
  /**
   * With paging off, compiled code looks linear addresses up here instead of
   * in the walker's TLB: an entry per page of RAM in the same format
   * (frame, every permission, T_RAM), 0 elsewhere.
   */
  readonly flatTlb: Int32Array;
  /**
   * Set when something happened that compiled code must not run past: an
   * MMIO access (device state, and so interrupts, may have changed), a
   * store over compiled code. A block engine returns to its dispatcher
   * after the current instruction and clears it.
   */
  blockExit = false;
  /**
   * True while compiled code makes an inline memory access through its slow
   * path. Such an access must not touch a device or store over decoded
   * code: it throws ABANDON first, and the engine re-executes the
   * instruction in the interpreter, which does it with full effect.
   */
  compiledAccess = false;

  constructor(bus: CpuBus) {
    this.bus = bus;
    // What compiled code reads lives in the arena of the RAM (arena.ts).
    const arena = arenaOf(bus.ram);
    this.arena = arena;
    this.regs = arena.int32(8);
    this.regs16 = new Uint16Array(this.regs.buffer, this.regs.byteOffset, 16);
    this.regs8 = new Uint8Array(this.regs.buffer, this.regs.byteOffset, 32);
    this.segBase = arena.uint32(8);
    this.segHi = arena.float64(8);
    this.segReadLo = arena.float64(8);
    this.segReadHi = arena.float64(8);
    this.segWriteLo = arena.float64(8);
    this.segWriteHi = arena.float64(8);
    this.segWhole = arena.uint8(8);
    this.codePages = arena.uint8((bus.ram.length >>> 12) + 1);
    if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error("popek needs a little-endian host");
    const ram = bus.ram;
    this.ram16 = new Uint16Array(ram.buffer, ram.byteOffset, ram.length >>> 1);
    this.ram32 = new Int32Array(ram.buffer, ram.byteOffset, ram.length >>> 2);
    this.flatTlb = arena.int32(1 << 20);
    for (let page = 0; page < ram.length >>> 12; page++) {
      if (this.isRam(page << 12, 0x1000)) this.flatTlb[page] = (page << 12) | T_ALL | T_RAM | T_RAMW;
      else if (this.isReadableRam(page << 12, 0x1000)) this.flatTlb[page] = (page << 12) | T_ALL | T_RAM;
    }
    this.walker = new PageWalker(this);
    this.reset();
    widenToDouble(this, UNSIGNED_FIELDS);
  }

  // --- registers -------------------------------------------------------

  /** Register `r` of `size` bytes (1: AL..BH encoding, 2, 4), unsigned. */
  getReg(r: number, size: number): number {
    if (size === 4) return this.regs[r] >>> 0;
    if (size === 2) return this.regs16[r << 1];
    return this.regs8[((r & 3) << 2) | (r >> 2)];
  }

  setReg(r: number, size: number, v: number): void {
    if (size === 4) this.regs[r] = v;
    else if (size === 2) this.regs16[r << 1] = v;
    else this.regs8[((r & 3) << 2) | (r >> 2)] = v;
  }

  get eflags(): number {
    return readEflags(this);
  }

  /** Replace EFLAGS wholesale (no privilege rules: callers apply those). */
  setEflags(v: number): void {
    this.lazy = 0;
    this.flags = (v & 0x3f7fd5) | FIXED1; // reserved bits 3, 5, 15, 22–31 read as 0
  }

  get realMode(): boolean {
    return (this.cr0 & CR0_PE) === 0;
  }

  get v86Mode(): boolean {
    return (this.flags & VM) !== 0;
  }

  get interruptsEnabled(): boolean {
    return (this.flags & IF) !== 0;
  }

  // --- reset and simple environments -----------------------------------

  /** Power-on state (SDM vol. 3, 9.1.1): real mode at F000:FFF0, CS base FFFF0000. */
  reset(): void {
    this.regs.fill(0);
    this.regs[EDX] = 0x00000633; // family 6, model 3, stepping 3
    this.eip = 0xfff0;
    this.flags = FIXED1;
    this.lazy = 0;
    this.cr0 = CR0_ET | CR0_CD | CR0_NW;
    this.cr2 = 0;
    this.cr3 = 0;
    this.cr4 = 0;
    this.dr.fill(0);
    this.perfMsrs.fill(0);
    this.dr[6] = 0xffff0ff0;
    this.dr[7] = 0x400;
    this.gdtBase = 0;
    this.gdtLimit = 0xffff;
    this.idtBase = 0;
    this.idtLimit = 0xffff;
    for (let s = 0; s < 6; s++) this.setSegCache(s, 0, 0, 0xffff, ATTR_DATA_RW);
    this.setSegCache(CS, 0xf000, 0xffff0000, 0xffff, ATTR_CODE_RX);
    this.setSegCache(LDTR, 0, 0, 0xffff, ATTR_P | 0x2);
    this.setSegCache(TR, 0, 0, 0xffff, ATTR_P | 0xb);
    this.cpl = 0;
    this.inhibitInterrupts = false;
    this.halted = false;
    this.stopRequest = null;
    this.fpu.reset();
    this.walker.flush();
  }

  /** Real mode with CS:IP = cs:ip and all segments at `seg`. */
  enterReal16(cs: number, ip: number, seg = 0): void {
    this.cr0 &= ~(CR0_PE | CR0_PG);
    for (let s = 0; s < 6; s++) this.setSegCache(s, seg, seg << 4, 0xffff, ATTR_DATA_RW);
    this.setSegCache(CS, cs, cs << 4, 0xffff, ATTR_CODE_RX);
    this.eip = ip;
    this.cpl = 0;
    this.walker.flush();
  }

  /**
   * Flat 32-bit protected mode, ring 0, paging off: every segment base 0,
   * limit 4 GiB (the state a multiboot loader leaves, SDM's "flat model").
   * The selectors are 0x08 (code) and 0x10 (data) by convention.
   */
  enterFlat32(eip: number): void {
    this.cr0 = (this.cr0 | CR0_PE) & ~CR0_PG;
    const big = ATTR_DB | ATTR_G;
    for (let s = 0; s < 6; s++) this.setSegCache(s, 0x10, 0, 0xffffffff, ATTR_DATA_RW | big);
    this.setSegCache(CS, 0x08, 0, 0xffffffff, ATTR_CODE_RX | big);
    this.eip = eip;
    this.cpl = 0;
    this.walker.flush();
  }

  /**
   * Fill a segment's hidden cache and derive the fast-path checks from it.
   * `attr` is in VMCB layout; `limit` is the byte-granular limit.
   */
  setSegCache(seg: number, sel: number, base: number, limit: number, attr: number): void {
    this.segSel[seg] = sel;
    this.segBase[seg] = base >>> 0;
    this.segLimit[seg] = limit >>> 0;
    this.segAttr[seg] = attr;
    const type = attr & ATTR_TYPE;
    const present = (attr & ATTR_P) !== 0;
    const code = (type & 8) !== 0;
    if (!present || (seg < 6 && !(attr & ATTR_S))) {
      // Unusable (null selector or system descriptor): every access faults.
      this.segLo[seg] = 1;
      this.segHi[seg] = 0;
      this.segRW[seg] = 0;
    } else if (!code && type & 4) {
      // Expand-down data: valid offsets are limit+1 .. 0xFFFF or 0xFFFFFFFF.
      this.segLo[seg] = limit + 1;
      this.segHi[seg] = attr & ATTR_DB ? 0xffffffff : 0xffff;
      this.segRW[seg] = type & 2 ? 3 : 1;
    } else {
      this.segLo[seg] = 0;
      this.segHi[seg] = limit >>> 0;
      this.segRW[seg] = code ? (type & 2 ? 1 : 0) : type & 2 ? 3 : 1;
    }
    if (this.realMode) this.segRW[seg] = 3; // real mode ignores types
    const rw = this.segRW[seg];
    this.segReadLo[seg] = rw & 1 ? this.segLo[seg] : 1;
    this.segReadHi[seg] = rw & 1 ? this.segHi[seg] : 0;
    this.segWriteLo[seg] = rw & 2 ? this.segLo[seg] : 1;
    this.segWriteHi[seg] = rw & 2 ? this.segHi[seg] : 0;
    // With the base 4-aligned too, an access aligned in the linear space is aligned in the segment and ends inside it.
    const whole = (base & 3) === 0 && this.segLo[seg] === 0 && this.segHi[seg] === 0xffffffff;
    this.segWhole[seg] = whole ? rw : 0;
    if (seg === CS) this.csBig = (attr & ATTR_DB) !== 0;
    else if (seg === SS) this.ssBig = (attr & ATTR_DB) !== 0;
    const w = this.segWhole;
    const b = this.segBase;
    this.flat = this.ssBig && (w[DS] & w[ES] & w[SS]) === 3 && (b[DS] | b[ES] | b[SS]) === 0;
  }

  // --- segment-level memory access -------------------------------------

  /** The fault a bad access through `seg` raises: #SS for the stack, else #GP. */
  segFault(seg: number): CpuFault {
    return new CpuFault(seg === SS ? Vec.SS : Vec.GP, 0);
  }

  /** Linear address of `off` in `seg` after the limit check for `size` bytes. */
  linear(seg: number, off: number, size: number, write = false): number {
    if (off < this.segLo[seg] || off + size - 1 > this.segHi[seg]) throw this.segFault(seg);
    const lin = (this.segBase[seg] + off) >>> 0;
    // Alignment check (SDM vol. 3, 6.15 #AC): only misaligned accesses look further.
    if (lin & (size - 1) && this.cpl === 3 && this.cr0 & CR0_AM && this.flags & AC) throw new CpuFault(Vec.AC, 0);
    if (this.dataBreakpoints) checkDataBreakpoints(this, lin, size, write);
    return lin;
  }

  // Each access first tries the fast path: an aligned access to RAM through
  // a translation the TLB already holds. It makes exactly the checks of the
  // full path below (segment, alignment, TLB permission) and has none of its
  // side effects, so it changes nothing but speed; anything else (a TLB miss,
  // a fault, a device, a store over decoded code, data breakpoints) takes the
  // full path.

  /** The TLB in force: the walker's, or the identity map when paging is off. */
  activeTlb(): Int32Array {
    return this.cr0 & CR0_PG ? this.walker.tlb : this.flatTlb;
  }

  /** Physical address of an aligned read of `lin` that hits the TLB and RAM, or -1. */
  private fastRead(lin: number): number {
    const need = (this.cpl === 3 ? T_USER_R : T_SUP_R) | T_RAM;
    const e = this.activeTlb()[lin >>> 12];
    return (e & need) === need ? (e & -4096) | (lin & 4095) : -1;
  }

  /** Physical address of an aligned write of `lin` that hits the TLB, RAM and no code page, or -1. */
  private fastWrite(lin: number): number {
    const need = (this.cpl === 3 ? T_USER_W : T_SUP_W) | T_RAM | T_RAMW;
    const e = this.activeTlb()[lin >>> 12];
    if ((e & need) !== need) return -1;
    const phys = (e & -4096) | (lin & 4095);
    return this.codePages[phys >>> 12] === 0 ? phys : -1;
  }

  read8(seg: number, off: number): number {
    if (off >= this.segReadLo[seg] && off <= this.segReadHi[seg] && !this.dataBreakpoints) {
      const phys = this.fastRead((this.segBase[seg] + off) | 0);
      if (phys >= 0) return this.bus.ram[phys];
    }
    if (!(this.segRW[seg] & 1)) throw this.segFault(seg);
    return this.readLin8(this.linear(seg, off, 1));
  }
  read16(seg: number, off: number): number {
    if (off >= this.segReadLo[seg] && off + 1 <= this.segReadHi[seg] && !this.dataBreakpoints) {
      const lin = (this.segBase[seg] + off) | 0;
      const phys = lin & 1 ? -1 : this.fastRead(lin);
      if (phys >= 0) return this.ram16[phys >> 1];
    }
    if (!(this.segRW[seg] & 1)) throw this.segFault(seg);
    return this.readLin16(this.linear(seg, off, 2));
  }
  read32(seg: number, off: number): number {
    return this.readI32(seg, off) >>> 0;
  }
  /**
   * `read32`, the value as int32; the offset may be given as int32 too.
   * A kernel's offsets and values are above 2^31: as unsigned numbers they
   * are doubles, which V8 boxes at every call it does not inline, so the
   * threaded tier keeps both signed.
   */
  readI32(seg: number, off: number): number {
    const o = off < 0 ? off + 0x100000000 : off;
    if (o >= this.segReadLo[seg] && o + 3 <= this.segReadHi[seg] && !this.dataBreakpoints) {
      const lin = (this.segBase[seg] + o) | 0;
      const phys = lin & 3 ? -1 : this.fastRead(lin);
      if (phys >= 0) return this.ram32[phys >> 2];
    }
    if (!(this.segRW[seg] & 1)) throw this.segFault(seg);
    return this.readLin32(this.linear(seg, o, 4)) | 0;
  }
  write8(seg: number, off: number, v: number): void {
    if (off >= this.segWriteLo[seg] && off <= this.segWriteHi[seg] && !this.dataBreakpoints) {
      const phys = this.fastWrite((this.segBase[seg] + off) | 0);
      if (phys >= 0) {
        this.bus.ram[phys] = v;
        return;
      }
    }
    if (!(this.segRW[seg] & 2)) throw this.segFault(seg);
    this.writeLin8(this.linear(seg, off, 1, true), v);
  }
  write16(seg: number, off: number, v: number): void {
    if (off >= this.segWriteLo[seg] && off + 1 <= this.segWriteHi[seg] && !this.dataBreakpoints) {
      const lin = (this.segBase[seg] + off) | 0;
      const phys = lin & 1 ? -1 : this.fastWrite(lin);
      if (phys >= 0) {
        this.ram16[phys >> 1] = v;
        return;
      }
    }
    if (!(this.segRW[seg] & 2)) throw this.segFault(seg);
    this.writeLin16(this.linear(seg, off, 2, true), v);
  }
  /** Write `v` (unsigned or int32, as the offset: see `readI32`). */
  write32(seg: number, off: number, v: number): void {
    const o = off < 0 ? off + 0x100000000 : off;
    if (o >= this.segWriteLo[seg] && o + 3 <= this.segWriteHi[seg] && !this.dataBreakpoints) {
      const lin = (this.segBase[seg] + o) | 0;
      const phys = lin & 3 ? -1 : this.fastWrite(lin);
      if (phys >= 0) {
        this.ram32[phys >> 2] = v;
        return;
      }
    }
    if (!(this.segRW[seg] & 2)) throw this.segFault(seg);
    this.writeLin32(this.linear(seg, o, 4, true), v >>> 0);
  }

  /** Read `size` (1, 2, 4) bytes at seg:off, unsigned. */
  read(seg: number, off: number, size: number): number {
    return size === 4 ? this.read32(seg, off) : size === 2 ? this.read16(seg, off) : this.read8(seg, off);
  }

  write(seg: number, off: number, size: number, v: number): void {
    if (size === 4) this.write32(seg, off, v);
    else if (size === 2) this.write16(seg, off, v);
    else this.write8(seg, off, v);
  }

  /**
   * Check that `size` bytes at seg:off can be written, faulting as the write
   * would, without writing. Read-modify-write instructions call it first so
   * a fault leaves memory and registers untouched.
   */
  probeWrite(seg: number, off: number, size: number): void {
    if (!(this.segRW[seg] & 2)) throw this.segFault(seg);
    const lin = this.linear(seg, off, size);
    if (this.cr0 & CR0_PG) {
      this.walker.translate(lin, true);
      if ((lin & 0xfff) + size > 0x1000) this.walker.translate((lin + size - 1) >>> 0, true);
    }
    if (this.compiledAccess) {
      // The store would be abandoned (see `compiledAccess`): abandon now,
      // before the instruction changes anything.
      this.probeCompiledStore(lin);
      this.probeCompiledStore((lin + size - 1) >>> 0);
    }
  }

  private probeCompiledStore(lin: number): void {
    const phys = this.cr0 & CR0_PG ? this.walker.translate(lin, true) : lin;
    if (!this.isRam(phys, 1)) throw ABANDON;
    if (this.codePages[phys >>> 12] && this.storeHitsCode?.(phys, 1)) throw ABANDON;
  }

  /** Fetch one code byte at offset `eip` in CS (execute permission, limit). */
  fetch8(eip: number): number {
    if (eip > this.segHi[CS]) throw new CpuFault(Vec.GP, 0);
    const lin = (this.segBase[CS] + eip) >>> 0;
    if ((lin & ~0xfff) === this.codePage && this.cpl === this.codeCpl) return this.bus.ram[this.codePhys | (lin & 0xfff)];
    const phys = this.cr0 & CR0_PG ? this.walker.translate(lin, false) : lin;
    if (this.isReadableRam((phys & ~0xfff) >>> 0, 0x1000)) {
      // Remember the translation of this code page: the bytes themselves
      // are read from RAM each time, so stores to code are seen at once.
      this.codePage = (lin & ~0xfff) | 0;
      this.codePhys = (phys & ~0xfff) >>> 0;
      this.codeCpl = this.cpl;
    }
    return this.readPhys8(phys);
  }

  /**
   * The physical address of CS:`eip` from the cached code-page translation,
   * or -1 when it is not cached (or `eip` is past the limit). No side
   * effects: no walk, no fault.
   */
  cachedCodeAddress(eip: number): number {
    if (eip > this.segHi[CS]) return -1;
    const lin = (this.segBase[CS] + eip) >>> 0;
    if ((lin & ~0xfff) === this.codePage && this.cpl === this.codeCpl) return this.codePhys | (lin & 0xfff);
    // Another page: a TLB entry that already grants the fetch (readable RAM) becomes the cached page.
    const need = (this.cpl === 3 ? T_USER_R : T_SUP_R) | T_RAM;
    const e = this.activeTlb()[lin >>> 12];
    if ((e & need) !== need) return -1;
    this.codePage = (lin & ~0xfff) | 0;
    this.codePhys = (e & -4096) >>> 0;
    this.codeCpl = this.cpl;
    return this.codePhys | (lin & 0xfff);
  }

  /** Forget the cached code-page translation (the TLB changed). */
  flushCodePage(): void {
    this.codePage = -1;
  }

  // --- linear (paged) access ---------------------------------------------

  readLin8(lin: number): number {
    return this.readPhys8(this.cr0 & CR0_PG ? this.walker.translate(lin, false) : lin);
  }
  readLin16(lin: number): number {
    if (this.cr0 & CR0_PG) {
      if ((lin & 0xfff) === 0xfff) return this.readLin8(lin) | (this.readLin8((lin + 1) >>> 0) << 8);
      return this.readPhys16(this.walker.translate(lin, false));
    }
    return this.readPhys16(lin);
  }
  readLin32(lin: number): number {
    if (this.cr0 & CR0_PG) {
      if ((lin & 0xfff) > 0xffc) {
        let v = 0;
        for (let i = 3; i >= 0; i--) v = (v << 8) | this.readLin8((lin + i) >>> 0);
        return v >>> 0;
      }
      return this.readPhys32(this.walker.translate(lin, false));
    }
    return this.readPhys32(lin);
  }
  writeLin8(lin: number, v: number): void {
    this.writePhys8(this.cr0 & CR0_PG ? this.walker.translate(lin, true) : lin, v);
  }
  writeLin16(lin: number, v: number): void {
    if (this.cr0 & CR0_PG) {
      if ((lin & 0xfff) === 0xfff) {
        const p0 = this.walker.translate(lin, true);
        const p1 = this.walker.translate((lin + 1) >>> 0, true);
        this.writePhys8(p0, v);
        this.writePhys8(p1, v >> 8);
        return;
      }
      this.writePhys16(this.walker.translate(lin, true), v);
      return;
    }
    this.writePhys16(lin, v);
  }
  writeLin32(lin: number, v: number): void {
    if (this.cr0 & CR0_PG) {
      if ((lin & 0xfff) > 0xffc) {
        const n = 0x1000 - (lin & 0xfff);
        const p0 = this.walker.translate(lin, true);
        const p1 = this.walker.translate((lin + n) >>> 0, true);
        for (let i = 0; i < 4; i++) this.writePhys8(i < n ? p0 + i : p1 + i - n, v >>> (8 * i));
        return;
      }
      this.writePhys32(this.walker.translate(lin, true), v);
      return;
    }
    this.writePhys32(lin, v);
  }

  // --- physical access ---------------------------------------------------

  /** True when `size` bytes at `phys` are ordinary RAM (not MMIO, not past the end). */
  isRam(phys: number, size: number): boolean {
    const bus = this.bus;
    return phys + size <= bus.ram.length && (phys >= bus.holeEnd || phys + size <= bus.holeStart);
  }

  /** True when `size` bytes at `phys` can be read from the RAM array (RAM, or the ROM copy in it). */
  isReadableRam(phys: number, size: number): boolean {
    const bus = this.bus;
    return this.isRam(phys, size) || (phys >= (bus.romStart ?? 0) && phys + size <= (bus.romEnd ?? 0));
  }

  readPhys8(phys: number): number {
    if (this.isReadableRam(phys, 1)) return this.bus.ram[phys];
    return this.mmioRead(phys, 1) & 0xff;
  }
  readPhys16(phys: number): number {
    if (this.isReadableRam(phys, 2)) {
      const ram = this.bus.ram;
      return ram[phys] | (ram[phys + 1] << 8);
    }
    return this.mmioRead(phys, 2) & 0xffff;
  }
  readPhys32(phys: number): number {
    if (this.isReadableRam(phys, 4)) {
      const ram = this.bus.ram;
      return (ram[phys] | (ram[phys + 1] << 8) | (ram[phys + 2] << 16) | (ram[phys + 3] << 24)) >>> 0;
    }
    return this.mmioRead(phys, 4) >>> 0;
  }
  writePhys8(phys: number, v: number): void {
    if (this.isRam(phys, 1)) {
      if (this.codePages[phys >>> 12]) this.onCodeWrite?.(phys, 1);
      this.bus.ram[phys] = v;
    } else this.mmioWrite(phys, 1, v & 0xff);
  }
  writePhys16(phys: number, v: number): void {
    if (this.isRam(phys, 2)) {
      if (this.codePages[phys >>> 12] | this.codePages[(phys + 1) >>> 12]) this.ramWritten(phys, 2);
      const ram = this.bus.ram;
      ram[phys] = v;
      ram[phys + 1] = v >> 8;
    } else this.mmioWrite(phys, 2, v & 0xffff);
  }
  writePhys32(phys: number, v: number): void {
    if (this.isRam(phys, 4)) {
      if (this.codePages[phys >>> 12] | this.codePages[(phys + 3) >>> 12]) this.ramWritten(phys, 4);
      const ram = this.bus.ram;
      ram[phys] = v;
      ram[phys + 1] = v >> 8;
      ram[phys + 2] = v >> 16;
      ram[phys + 3] = v >> 24;
    } else this.mmioWrite(phys, 4, v >>> 0);
  }

  // A device access: compiled code may not make it inline (see
  // `compiledAccess`), and must leave its block after it.
  private mmioRead(phys: number, size: AccessSize): number {
    if (this.compiledAccess) throw ABANDON;
    this.blockExit = true;
    return this.bus.mmioRead(phys, size);
  }
  private mmioWrite(phys: number, size: AccessSize, v: number): void {
    if (this.compiledAccess) throw ABANDON;
    this.blockExit = true;
    this.bus.mmioWrite(phys, size, v);
  }

  /**
   * Tell the engines that `len` bytes of RAM at `phys` are being (or, for
   * bulk stores, were) stored to.
   */
  ramWritten(phys: number, len: number): void {
    const last = (phys + len - 1) >>> 12;
    for (let page = phys >>> 12; page <= last; page++) {
      if (!this.codePages[page]) continue;
      const start = Math.max(phys, page << 12);
      const end = Math.min(phys + len, (page + 1) << 12);
      this.onCodeWrite?.(start, end - start);
    }
  }

  /**
   * Physical address of the code byte at offset `eip` in CS, translated as a
   * fetch would be (and faulting as it would), or -1 when it is not in RAM.
   */
  codeAddress(eip: number): number {
    const cached = this.cachedCodeAddress(eip);
    if (cached >= 0) return cached;
    this.fetch8(eip); // faults past the limit or on the walk; caches the page when it is RAM
    return this.cachedCodeAddress(eip);
  }

  // --- stack -----------------------------------------------------------

  /** Current stack pointer as an offset in SS (ESP or SP by SS.B). */
  get sp(): number {
    return this.ssBig ? this.regs[ESP] >>> 0 : this.regs16[ESP << 1];
  }

  /** Move the stack pointer by `delta`, wrapping as SS.B says. */
  adjustSp(delta: number): void {
    if (this.ssBig) this.regs[ESP] = this.regs[ESP] + delta;
    else this.regs16[ESP << 1] = this.regs16[ESP << 1] + delta;
  }

  /** Push `size` (2 or 4) bytes. The write happens before ESP changes. */
  push(v: number, size: number): void {
    // A 32-bit stack pointer as int32 (write32 takes either): kernel stacks are above 2^31.
    const sp = this.ssBig ? (this.regs[ESP] - size) | 0 : (this.regs16[ESP << 1] - size) & 0xffff;
    if (size === 4) this.write32(SS, sp, v);
    else this.write16(SS, sp >>> 0, v);
    if (this.ssBig) this.regs[ESP] = sp;
    else this.regs16[ESP << 1] = sp;
  }

  /** Read the value `size` bytes wide at `depth` bytes above the stack top, without popping. */
  peek(size: number, depth = 0): number {
    if (size === 4) return this.peekI32(depth) >>> 0;
    return this.read16(SS, this.ssBig ? (this.regs[ESP] + depth) >>> 0 : (this.regs16[ESP << 1] + depth) & 0xffff);
  }

  pop(size: number): number {
    const v = this.peek(size);
    this.adjustSp(size);
    return v;
  }

  /**
   * The 32-bit value on the stack top as int32 (`readI32`), at `depth`
   * bytes above it: return addresses and saved registers of a kernel are
   * above 2^31, and as unsigned numbers each one passed or returned
   * through a call V8 does not inline is a new heap number.
   */
  peekI32(depth = 0): number {
    return this.readI32(SS, this.ssBig ? (this.regs[ESP] + depth) | 0 : (this.regs16[ESP << 1] + depth) & 0xffff);
  }

  /** POP of 32 bits as int32 (`peekI32`). */
  popI32(): number {
    const v = this.peekI32();
    this.adjustSp(4);
    return v;
  }

  // --- I/O -------------------------------------------------------------

  ioRead(port: number, size: AccessSize): number {
    this.cycles += this.ioCycles;
    return this.bus.ioRead(port & 0xffff, size);
  }

  ioWrite(port: number, size: AccessSize, v: number): void {
    this.cycles += this.ioCycles;
    this.bus.ioWrite(port & 0xffff, size, v);
  }

  /** The time-stamp counter as RDTSC reads it. */
  get tsc(): number {
    return this.cycles + this.tscOffset;
  }
}
