/**
 * 32-bit paging (SDM vol. 3, 4.3): the two-level walk with 4 KiB and, under
 * CR4.PSE, 4 MiB pages; U/S and R/W checks with CR0.WP; accessed and dirty
 * bits; #PF with CR2 and its error code; and a software TLB.
 *
 * The TLB holds one Int32 per virtual page: the physical frame in the high
 * 20 bits and, in the low bits, which accesses may use it without a walk.
 * Write permission is only cached once the dirty bit is set, so the first
 * write to a clean page always walks (and sets D) as the hardware does.
 * Global entries (PTE.G under CR4.PGE) survive CR3 loads.
 *
 * The walk is one method so that a nested (two-dimensional) walker can
 * replace it later.
 */
import type { Cpu } from "./cpu.js";
import { CR0_WP, CR4_PGE, CR4_PSE } from "./cpu.js";
import { CpuFault, Vec } from "./fault.js";

const PTE_P = 1;
const PTE_RW = 2;
const PTE_US = 4;
const PTE_A = 0x20;
const PTE_D = 0x40;
const PDE_PS = 0x80;
const PTE_G = 0x100;

// TLB entry bits (compiled code tests them inline).
export const T_SUP_R = 1;
export const T_SUP_W = 2;
export const T_USER_R = 4;
export const T_USER_W = 8;
const T_GLOBAL = 16;
/** The frame's bytes are in the RAM array: compiled code may read them through a typed array. */
export const T_RAM = 32;
/** ...and it is ordinary RAM: compiled code may store to it the same way. */
export const T_RAMW = 64;
export const T_ALL = T_SUP_R | T_SUP_W | T_USER_R | T_USER_W;

/** Page-fault error code bits. */
export const PF_P = 1;
export const PF_W = 2;
export const PF_U = 4;

/**
 * Entries tracked for flushing, per kind. Past these a flush scans the
 * whole TLB (4 MiB). Linux's kernel mappings are global and survive every
 * CR3 load; at boot they outgrew a single list of 4,096 and made 150 of
 * the 16,000 CR3 loads scan the TLB twice.
 */
const MAX_TRACKED = 16384;
const MAX_TRACKED_GLOBAL = 65536;

export class PageWalker {
  /** Per virtual page: the frame (high 20 bits) and the T_* bits; 0 when not cached. */
  readonly tlb: Int32Array;
  /**
   * Virtual page numbers filled with a non-global entry, and with a global
   * one, so that a flush touches only those (a CR3 load only the first). A
   * number may be listed twice or have been invalidated since: flushes
   * test the entry itself.
   */
  private readonly used = new Int32Array(MAX_TRACKED);
  private usedCount = 0;
  private readonly usedGlobal = new Int32Array(MAX_TRACKED_GLOBAL);
  private usedGlobalCount = 0;
  /** A list was full: flushes scan the whole TLB. */
  private overflowed = false;
  /** Page walks performed (for the cycle model and statistics). */
  walks = 0;

  constructor(private readonly cpu: Cpu) {
    this.tlb = cpu.arena.int32(1 << 20);
  }

  /** Linear → physical for an access by the current CPL (or as supervisor when `user` is false). */
  translate(lin: number, write: boolean, user: boolean = this.cpu.cpl === 3): number {
    const e = this.tlb[lin >>> 12];
    const need = user ? (write ? T_USER_W : T_USER_R) : write ? T_SUP_W : T_SUP_R;
    if (e & need) return ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
    return this.walk(lin, write, user);
  }

  private walk(lin: number, write: boolean, user: boolean): number {
    const cpu = this.cpu;
    this.walks++;
    cpu.cycles += cpu.cost.events.pageWalk;
    const pdeAddr = ((cpu.cr3 & ~0xfff) + ((lin >>> 22) << 2)) >>> 0;
    let pde = cpu.readPhys32(pdeAddr);
    if (!(pde & PTE_P)) throw this.fault(lin, 0, write, user);

    let frame: number;
    let flags: number; // effective U/S and R/W of the combined walk
    let leafAddr: number;
    let leaf: number;
    let global: boolean;
    if (pde & PDE_PS && cpu.cr4 & CR4_PSE) {
      flags = pde;
      leafAddr = pdeAddr;
      leaf = pde;
      frame = ((pde & 0xffc00000) | (lin & 0x3ff000)) >>> 0;
      global = (pde & PTE_G) !== 0;
    } else {
      if (!(pde & PTE_A)) {
        pde |= PTE_A;
        cpu.writePhys32(pdeAddr, pde);
      }
      const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0;
      leaf = cpu.readPhys32(pteAddr);
      if (!(leaf & PTE_P)) throw this.fault(lin, 0, write, user);
      flags = pde & leaf;
      leafAddr = pteAddr;
      frame = (leaf & ~0xfff) >>> 0;
      global = (leaf & PTE_G) !== 0;
    }

    const userOk = (flags & PTE_US) !== 0;
    const rwOk = (flags & PTE_RW) !== 0;
    const wp = (cpu.cr0 & CR0_WP) !== 0;
    if (user ? !userOk || (write && !rwOk) : write && wp && !rwOk) throw this.fault(lin, PF_P, write, user);

    const set = PTE_A | (write ? PTE_D : 0);
    if ((leaf & set) !== set) {
      leaf |= set;
      cpu.writePhys32(leafAddr, leaf);
    }

    let bits = T_SUP_R;
    if (userOk) bits |= T_USER_R;
    if (leaf & PTE_D) {
      if (rwOk || !wp) bits |= T_SUP_W;
      if (userOk && rwOk) bits |= T_USER_W;
    }
    if (global && cpu.cr4 & CR4_PGE) bits |= T_GLOBAL;
    if (cpu.isReadableRam(frame, 0x1000)) bits |= T_RAM;
    if (cpu.isRam(frame, 0x1000)) bits |= T_RAMW;
    this.fill(lin >>> 12, frame | bits);
    return (frame | (lin & 0xfff)) >>> 0;
  }

  private fault(lin: number, present: number, write: boolean, user: boolean): CpuFault {
    this.cpu.cr2 = lin >>> 0;
    return new CpuFault(Vec.PF, present | (write ? PF_W : 0) | (user ? PF_U : 0));
  }

  private fill(vpn: number, entry: number): void {
    const old = this.tlb[vpn];
    const global = (entry & T_GLOBAL) !== 0;
    // Listed again only when the entry changes kind (or was empty).
    if (old === 0 || ((old & T_GLOBAL) !== 0) !== global) this.track(vpn, global);
    this.tlb[vpn] = entry;
  }

  private track(vpn: number, global: boolean): void {
    if (global) {
      if (this.usedGlobalCount < MAX_TRACKED_GLOBAL) this.usedGlobal[this.usedGlobalCount++] = vpn;
      else this.overflowed = true;
    } else if (this.usedCount < MAX_TRACKED) this.used[this.usedCount++] = vpn;
    else this.overflowed = true;
  }

  /** INVLPG: drop one page's entry, global or not. */
  invalidate(lin: number): void {
    this.tlb[lin >>> 12] = 0;
    this.cpu.flushCodePage();
  }

  /** CR3 load: drop every non-global entry. */
  flushNonGlobal(): void {
    this.cpu.flushCodePage();
    if (this.overflowed) {
      const tlb = this.tlb;
      for (let i = 0; i < tlb.length; i++) if (!(tlb[i] & T_GLOBAL)) tlb[i] = 0;
      this.rebuildUsed();
      return;
    }
    const tlb = this.tlb;
    for (let i = 0; i < this.usedCount; i++) {
      const vpn = this.used[i];
      // An entry that became global since is listed with the global ones too.
      if (!(tlb[vpn] & T_GLOBAL)) tlb[vpn] = 0;
    }
    this.usedCount = 0;
  }

  /** CR0.PG/WP, CR4.PSE/PGE changes and reset: drop everything. */
  flush(): void {
    this.cpu.flushCodePage();
    if (this.overflowed) this.tlb.fill(0);
    else {
      for (let i = 0; i < this.usedCount; i++) this.tlb[this.used[i]] = 0;
      for (let i = 0; i < this.usedGlobalCount; i++) this.tlb[this.usedGlobal[i]] = 0;
    }
    this.usedCount = 0;
    this.usedGlobalCount = 0;
    this.overflowed = false;
  }

  private rebuildUsed(): void {
    this.usedCount = 0;
    this.usedGlobalCount = 0;
    this.overflowed = false;
    const tlb = this.tlb;
    for (let i = 0; i < tlb.length && !this.overflowed; i++) {
      if (tlb[i] !== 0) this.track(i, (tlb[i] & T_GLOBAL) !== 0);
    }
  }
}
