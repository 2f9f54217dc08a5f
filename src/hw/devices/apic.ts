/**
 * The local APIC of a single processor, memory-mapped at 0xFEE00000 (4 KiB),
 * as Intel SDM vol. 3 ch. 10 describes it for the Pentium 4 class: version
 * register 0x00050014 (integrated APIC, version 0x14, six LVT entries so
 * "max LVT" 5: timer, thermal, performance counter, LINT0, LINT1, error).
 * xAPIC mode only (no x2APIC, no TSC-deadline timer: CPUID reports neither).
 *
 * Implemented: ID, version, TPR, APR and PPR (computed, 10.8.3.1), EOI,
 * LDR/DFR, SVR (software enable, spurious vector, focus bit), ISR/TMR/IRR,
 * ESR with its write-before-read semantics, ICR (fixed and lowest-priority
 * IPIs to this processor: the self and all-including-self shorthands, or a
 * physical/logical destination that matches us; INIT, SIPI, NMI and SMI
 * need other processors or pins we do not model and are dropped; the
 * delivery status bit always reads idle), the LVT, and the timer (initial
 * count, current count computed from guest time in O(1), divide
 * configuration, one-shot and periodic modes). Interrupts are accepted by
 * priority class: the highest IRR vector is delivered when its class
 * (vector >> 4) is above PPR's; EOI clears the highest ISR bit.
 *
 * The timer counts a bus clock of `busHz` (default 100 MHz) divided by the
 * divide configuration, derived from guest cycles through the Clock; `tick`
 * delivers expirations that fell due and returns the cycle of the next one.
 *
 * How the APIC and the 8259 compose (a PC without an I/O APIC): the PIC's
 * INTR is wired to LINT0, so the APIC is given the PIC at construction and
 * is itself the processor's InterruptSource. PIC interrupts pass through to
 * the processor, bypassing the APIC's priority logic and its ISR, as the
 * SDM's ExtINT "virtual wire" mode has it, when
 *   - the APIC is globally disabled (IA32_APIC_BASE.EN clear: the machine
 *     sets `hardwareEnabled`), or
 *   - it is software-disabled (SVR bit 8 clear, the state after reset, so a
 *     guest that never touches the APIC sees a plain PC), or
 *   - LVT LINT0 is unmasked with delivery mode ExtINT (what Linux programs
 *     in virtual wire mode).
 * The APIC's own deliverable interrupts are taken first, then the PIC's (the
 * order QEMU uses). Other LINT0/LINT1 delivery modes are stored but no pin
 * drives them. When nothing is deliverable at INTA, the APIC answers with
 * its spurious vector.
 */
import type { AccessSize } from "../cpu/bus.js";
import type { InterruptSource } from "../cpu/interpreter.js";
import { type Clock, cyclesToTicks, type Device, type Range, ticksToCycles } from "./device.js";

export const APIC_BASE = 0xfee00000;
export const APIC_VERSION = 0x00050014;

/** LVT indices, in register order from 0x320. */
export const LVT_TIMER = 0;
export const LVT_THERMAL = 1;
export const LVT_PERF = 2;
export const LVT_LINT0 = 3;
export const LVT_LINT1 = 4;
export const LVT_ERROR = 5;
/** Writable bits of each LVT entry (delivery status and remote IRR are read-only). */
const LVT_WRITABLE = [0x300ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff];
const LVT_MASKED = 0x10000;
const LVT_PERIODIC = 0x20000;
const EXTINT = 0x700;

const SVR_ENABLE = 0x100;

const ESR_SEND_ILLEGAL_VECTOR = 0x20;
const ESR_RECEIVE_ILLEGAL_VECTOR = 0x40;
const ESR_ILLEGAL_REGISTER = 0x80;

export interface LocalApicOptions {
  /** Timer input (bus) clock in Hz; default 100 MHz. */
  readonly busHz?: number;
  /** Physical base; default 0xFEE00000. */
  readonly base?: number;
  /** APIC ID; default 0. */
  readonly id?: number;
  /** The 8259 on LINT0 (ExtINT), or null for none. */
  readonly pic?: InterruptSource | null;
}

export interface LocalApicState {
  hardwareEnabled: boolean;
  id: number;
  tpr: number;
  ldr: number;
  dfr: number;
  svr: number;
  irr: number[];
  isr: number[];
  tmr: number[];
  esr: number;
  esrPending: number;
  icrLo: number;
  icrHi: number;
  lvt: number[];
  timerInitial: number;
  divideConfig: number;
  timerRunning: boolean;
  timerStart: number;
  timerFirst: number;
  timerFired: number;
}

/** Highest set bit of a 256-bit register held in 8 words, or -1. */
function highest(r: Uint32Array): number {
  for (let w = 7; w >= 0; w--) if (r[w]) return w * 32 + 31 - Math.clz32(r[w]);
  return -1;
}

function divisorOf(config: number): number {
  const v = ((config & 8) >> 1) | (config & 3);
  return v === 7 ? 1 : 2 << v;
}

export class LocalApic implements Device, InterruptSource {
  readonly name = "lapic";
  readonly mmio: readonly Range[];
  private readonly base: number;
  private readonly busHz: number;
  private readonly initialId: number;
  private readonly pic: InterruptSource | null;

  private hwEnabled = true;
  private id = 0;
  private tpr = 0;
  private ldr = 0;
  private dfr = 0xffffffff;
  private svr = 0xff;
  private readonly irr = new Uint32Array(8);
  private readonly isr = new Uint32Array(8);
  private readonly tmr = new Uint32Array(8);
  private esr = 0;
  private esrPending = 0;
  private icrLo = 0;
  private icrHi = 0;
  private readonly lvt = new Uint32Array(6);
  private timerInitial = 0;
  private divideConfig = 0;
  private timerRunning = false;
  /** The current timer segment: started at cycle timerStart with count timerFirst; expirations delivered so far. */
  private timerStart = 0;
  private timerFirst = 0;
  private timerFired = 0;

  /** Cached on every state change: `pending` is read after every instruction. */
  private ownPending = false;
  private passThrough = true;

  constructor(
    private readonly clock: Clock,
    options: LocalApicOptions = {},
  ) {
    this.base = options.base ?? APIC_BASE;
    this.busHz = options.busHz ?? 100_000_000;
    this.initialId = options.id ?? 0;
    this.pic = options.pic ?? null;
    this.mmio = [{ base: this.base, length: 0x1000 }];
    this.reset();
  }

  get pending(): boolean {
    return this.ownPending || (this.passThrough && this.pic?.pending === true);
  }

  acknowledge(): number {
    if (this.ownPending) {
      const v = highest(this.irr);
      this.irr[v >> 5] &= ~(1 << (v & 31));
      this.isr[v >> 5] |= 1 << (v & 31);
      this.update();
      return v;
    }
    if (this.passThrough && this.pic?.pending) return this.pic.acknowledge();
    return this.svr & 0xff;
  }

  /** IA32_APIC_BASE.EN. Clearing it puts the APIC back in its power-up state. */
  get hardwareEnabled(): boolean {
    return this.hwEnabled;
  }

  set hardwareEnabled(on: boolean) {
    if (on === this.hwEnabled) return;
    if (!on) this.reset();
    this.hwEnabled = on;
    this.update();
  }

  /** Deliver a fixed interrupt to this APIC (edge- or level-triggered). */
  accept(vector: number, level = false): void {
    if (vector < 16) {
      this.error(ESR_RECEIVE_ILLEGAL_VECTOR);
      return;
    }
    this.irr[vector >> 5] |= 1 << (vector & 31);
    if (level) this.tmr[vector >> 5] |= 1 << (vector & 31);
    else this.tmr[vector >> 5] &= ~(1 << (vector & 31));
    this.update();
  }

  reset(): void {
    this.id = this.initialId;
    this.tpr = 0;
    this.ldr = 0;
    this.dfr = 0xffffffff;
    this.svr = 0xff;
    this.irr.fill(0);
    this.isr.fill(0);
    this.tmr.fill(0);
    this.esr = this.esrPending = 0;
    this.icrLo = this.icrHi = 0;
    this.lvt.fill(LVT_MASKED);
    this.timerInitial = 0;
    this.divideConfig = 0;
    this.timerRunning = false;
    this.timerStart = this.timerFirst = this.timerFired = 0;
    this.update();
  }

  /** Deliver timer expirations up to `now`; return the cycle of the next one, or Infinity. */
  tick(now: number): number {
    if (!this.timerRunning) return Number.POSITIVE_INFINITY;
    const periodic = (this.lvt[LVT_TIMER] & LVT_PERIODIC) !== 0;
    const d = this.dividedTicks(now);
    const first = this.timerFirst;
    const due = d < first ? 0 : periodic ? 1 + Math.floor((d - first) / this.timerInitial) : 1;
    if (due > this.timerFired) {
      this.timerFired = due;
      const lvt = this.lvt[LVT_TIMER];
      if (!(lvt & LVT_MASKED)) this.accept(lvt & 0xff);
      if (!periodic) {
        this.timerRunning = false;
        return Number.POSITIVE_INFINITY;
      }
    }
    if (this.lvt[LVT_TIMER] & LVT_MASKED) return Number.POSITIVE_INFINITY;
    const nextD = first + this.timerFired * this.timerInitial;
    return this.timerStart + ticksToCycles(nextD * divisorOf(this.divideConfig), this.clock.hz, this.busHz);
  }

  mmioRead(addr: number, size: AccessSize): number {
    const off = (addr - this.base) & 0xfff;
    const within = off & 0xf;
    if (within + size > 4) return 0;
    const v = this.readReg(off >> 4) >>> (8 * within);
    return size === 4 ? v >>> 0 : v & (size === 1 ? 0xff : 0xffff);
  }

  mmioWrite(addr: number, size: AccessSize, value: number): void {
    const off = (addr - this.base) & 0xfff;
    const within = off & 0xf;
    if (within + size > 4) return;
    const reg = off >> 4;
    let v = value >>> 0;
    if (size !== 4) {
      // The SDM requires 32-bit accesses; a narrower write merges into the register.
      const mask = (size === 1 ? 0xff : 0xffff) << (8 * within);
      v = ((this.readReg(reg) & ~mask) | ((value << (8 * within)) & mask)) >>> 0;
    }
    this.writeReg(reg, v);
  }

  save(): LocalApicState {
    return {
      hardwareEnabled: this.hwEnabled,
      id: this.id,
      tpr: this.tpr,
      ldr: this.ldr,
      dfr: this.dfr,
      svr: this.svr,
      irr: Array.from(this.irr),
      isr: Array.from(this.isr),
      tmr: Array.from(this.tmr),
      esr: this.esr,
      esrPending: this.esrPending,
      icrLo: this.icrLo,
      icrHi: this.icrHi,
      lvt: Array.from(this.lvt),
      timerInitial: this.timerInitial,
      divideConfig: this.divideConfig,
      timerRunning: this.timerRunning,
      timerStart: this.timerStart,
      timerFirst: this.timerFirst,
      timerFired: this.timerFired,
    };
  }

  restore(state: unknown): void {
    const s = state as LocalApicState;
    this.hwEnabled = s.hardwareEnabled;
    this.id = s.id;
    this.tpr = s.tpr;
    this.ldr = s.ldr;
    this.dfr = s.dfr;
    this.svr = s.svr;
    this.irr.set(s.irr);
    this.isr.set(s.isr);
    this.tmr.set(s.tmr);
    this.esr = s.esr;
    this.esrPending = s.esrPending;
    this.icrLo = s.icrLo;
    this.icrHi = s.icrHi;
    this.lvt.set(s.lvt);
    this.timerInitial = s.timerInitial;
    this.divideConfig = s.divideConfig;
    this.timerRunning = s.timerRunning;
    this.timerStart = s.timerStart;
    this.timerFirst = s.timerFirst;
    this.timerFired = s.timerFired;
    this.update();
  }

  private softwareEnabled(): boolean {
    return (this.svr & SVR_ENABLE) !== 0;
  }

  /** PPR (SDM 10.8.3.1): TPR if its class is at least the highest in-service class, else that class. */
  private ppr(): number {
    const isrv = Math.max(highest(this.isr), 0);
    return this.tpr >> 4 >= isrv >> 4 ? this.tpr : isrv & 0xf0;
  }

  /** APR (SDM 10.8.3.1, P6/P4): as PPR, but pending requests count too. */
  private apr(): number {
    const isrv = Math.max(highest(this.isr), 0);
    const irrv = Math.max(highest(this.irr), 0);
    if (this.tpr >> 4 >= irrv >> 4 && this.tpr >> 4 > isrv >> 4) return this.tpr;
    return Math.max(this.tpr & 0xf0, isrv & 0xf0, irrv & 0xf0);
  }

  private update(): void {
    const on = this.hwEnabled && this.softwareEnabled();
    if (on) {
      const v = highest(this.irr);
      this.ownPending = v >= 0 && (v & 0xf0) > (this.ppr() & 0xf0);
    } else {
      this.ownPending = false;
    }
    this.passThrough = !on || (this.lvt[LVT_LINT0] & (LVT_MASKED | EXTINT)) === EXTINT;
  }

  /** Divided timer clocks since the segment began. */
  private dividedTicks(now: number): number {
    return Math.floor(cyclesToTicks(Math.max(now - this.timerStart, 0), this.clock.hz, this.busHz) / divisorOf(this.divideConfig));
  }

  private currentCount(now: number): number {
    if (!this.timerRunning) return 0;
    const d = this.dividedTicks(now);
    if (d < this.timerFirst) return this.timerFirst - d;
    if (this.lvt[LVT_TIMER] & LVT_PERIODIC) return this.timerInitial - ((d - this.timerFirst) % this.timerInitial);
    return 0;
  }

  /** Restart the timer segment at `now` from the current count (the divisor or mode is about to change). */
  private rebaseTimer(now: number): void {
    this.tick(now);
    if (!this.timerRunning) return;
    const c = this.currentCount(now);
    this.timerStart = now;
    this.timerFirst = c;
    this.timerFired = 0;
    if (c === 0) this.timerRunning = false;
  }

  private error(bits: number): void {
    this.esrPending |= bits;
    const lvt = this.lvt[LVT_ERROR];
    if (lvt & LVT_MASKED) return;
    const v = lvt & 0xff;
    if (v < 16) this.esrPending |= ESR_RECEIVE_ILLEGAL_VECTOR;
    else this.accept(v);
  }

  private readReg(reg: number): number {
    switch (reg) {
      case 0x02:
        return (this.id << 24) >>> 0;
      case 0x03:
        return APIC_VERSION;
      case 0x08:
        return this.tpr;
      case 0x09:
        return this.apr();
      case 0x0a:
        return this.ppr();
      case 0x0b: // EOI: write-only
      case 0x0c: // remote read
        return 0;
      case 0x0d:
        return this.ldr;
      case 0x0e:
        return (this.dfr | 0x0fffffff) >>> 0;
      case 0x0f:
        return this.svr;
      case 0x28:
        return this.esr;
      case 0x30:
        return this.icrLo;
      case 0x31:
        return this.icrHi;
      case 0x38:
        return this.timerInitial;
      case 0x39:
        return this.currentCount(this.clock.now());
      case 0x3e:
        return this.divideConfig;
      default:
        if (reg >= 0x10 && reg < 0x18) return this.isr[reg - 0x10];
        if (reg >= 0x18 && reg < 0x20) return this.tmr[reg - 0x18];
        if (reg >= 0x20 && reg < 0x28) return this.irr[reg - 0x20];
        if (reg >= 0x32 && reg <= 0x37) return this.lvt[reg - 0x32];
        this.error(ESR_ILLEGAL_REGISTER);
        return 0;
    }
  }

  private writeReg(reg: number, v: number): void {
    const now = this.clock.now();
    switch (reg) {
      case 0x02:
        this.id = v >>> 24;
        return;
      case 0x08:
        this.tpr = v & 0xff;
        break;
      case 0x0b: {
        const n = highest(this.isr);
        if (n >= 0) {
          this.isr[n >> 5] &= ~(1 << (n & 31));
          this.tmr[n >> 5] &= ~(1 << (n & 31)); // no I/O APIC to broadcast a level EOI to
        }
        break;
      }
      case 0x0d:
        this.ldr = (v & 0xff000000) >>> 0;
        return;
      case 0x0e:
        this.dfr = (v | 0x0fffffff) >>> 0;
        return;
      case 0x0f: {
        const wasEnabled = this.softwareEnabled();
        this.svr = v & 0x3ff;
        // Software disable masks every LVT entry (SDM 10.4.7.2).
        if (wasEnabled && !this.softwareEnabled()) for (let i = 0; i < 6; i++) this.lvt[i] |= LVT_MASKED;
        break;
      }
      case 0x28:
        this.esr = this.esrPending;
        this.esrPending = 0;
        return;
      case 0x30:
        this.icrLo = v & 0x000ccfff;
        this.sendIpi();
        return;
      case 0x31:
        this.icrHi = (v & 0xff000000) >>> 0;
        return;
      case 0x38:
        this.tick(now);
        this.timerInitial = v >>> 0;
        this.timerStart = now;
        this.timerFirst = this.timerInitial;
        this.timerFired = 0;
        this.timerRunning = this.timerInitial !== 0;
        return;
      case 0x3e:
        this.rebaseTimer(now);
        this.divideConfig = v & 0xb;
        return;
      case 0x03: // version
      case 0x09: // APR
      case 0x0a: // PPR
      case 0x0c: // remote read
      case 0x39: // current count
        return; // read-only
      default:
        if (reg >= 0x32 && reg <= 0x37) {
          this.writeLvt(reg - 0x32, v, now);
          break;
        }
        if (reg >= 0x10 && reg < 0x28) return; // ISR, TMR, IRR are read-only
        this.error(ESR_ILLEGAL_REGISTER);
        return;
    }
    this.update();
  }

  private writeLvt(i: number, v: number, now: number): void {
    let value = v & LVT_WRITABLE[i];
    if (!this.softwareEnabled()) value |= LVT_MASKED;
    if (i === LVT_TIMER) {
      // Expirations up to now belong to the old setting; a mode change restarts from the current count.
      if ((value ^ this.lvt[i]) & LVT_PERIODIC) this.rebaseTimer(now);
      else this.tick(now);
    }
    this.lvt[i] = (this.lvt[i] & ~LVT_WRITABLE[i]) | value;
  }

  /** True when an IPI's destination field names this APIC (SDM 10.6.2). */
  private matchesDestination(dest: number, logical: boolean): boolean {
    if (!logical) return dest === 0xff || dest === this.id;
    if (dest === 0xff) return true;
    const mine = this.ldr >>> 24;
    if (this.dfr >>> 28 === 0xf) return (mine & dest) !== 0; // flat model
    return mine >> 4 === dest >> 4 && (mine & dest & 0xf) !== 0; // cluster model
  }

  private sendIpi(): void {
    const lo = this.icrLo;
    const vector = lo & 0xff;
    const mode = (lo >> 8) & 7;
    let toSelf: boolean;
    switch ((lo >> 18) & 3) {
      case 1: // self
      case 2: // all including self
        toSelf = true;
        break;
      case 3: // all excluding self: nobody else is here
        toSelf = false;
        break;
      default:
        toSelf = this.matchesDestination(this.icrHi >>> 24, (lo & 0x800) !== 0);
        break;
    }
    if (mode !== 0 && mode !== 1) return; // NMI, SMI, INIT, SIPI: not modelled
    if (vector < 16) {
      this.error(ESR_SEND_ILLEGAL_VECTOR | (toSelf ? ESR_RECEIVE_ILLEGAL_VECTOR : 0));
      return;
    }
    if (toSelf) this.accept(vector, (lo & 0x8000) !== 0 && (lo & 0x4000) !== 0);
  }
}
