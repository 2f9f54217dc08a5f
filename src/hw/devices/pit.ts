/**
 * The 8254 programmable interval timer at ports 0x40–0x43, and System
 * Control Port B at 0x61 (channel 2's gate and output, the speaker enable,
 * the refresh toggle).
 *
 * The counters run on a 1.193182 MHz clock derived from guest cycles, never
 * from the host's clock. No counter is stepped: each channel keeps the PIT
 * tick at which its counting element was last loaded and the value loaded,
 * and a read computes count and OUT from the current tick in O(1). Ticks are
 * whole input-clock periods since reset, `cyclesToTicks(now)`.
 *
 * Timing follows the Intel 82C54 datasheet, with tick L the CLK pulse that
 * loads a count N written during the tick before:
 * - mode 0 (interrupt on terminal count): OUT low from the write, high at
 *   L + N (N + 1 clocks after the write), counting on through 0 (wrapping);
 * - mode 1 (hardware retriggerable one-shot): a GATE rising edge loads N on
 *   the next clock; OUT is low from then for N clocks;
 * - mode 2 (rate generator): OUT low for the one clock where the count is 1,
 *   period N; the count reads N, N−1, …, 1;
 * - mode 3 (square wave): even N: count steps by 2, OUT high N/2 clocks and
 *   low N/2; odd N: N−1 is loaded and steps by 2, OUT high (N+1)/2 clocks and
 *   low (N−1)/2;
 * - modes 4 and 5 (software / hardware triggered strobe): OUT low for the
 *   one clock at which the count reaches 0.
 * GATE low stops counting in modes 0, 2, 3 and 4 and forces OUT high in
 * modes 2 and 3, whose rising GATE edge reloads the count; a new count
 * written in mode 2 or 3 takes effect at the end of the current period
 * (mode 2) or half-period (mode 3).
 *
 * Channel 0 drives IRQ 0 with its OUT; every rising edge of OUT between two
 * calls of `tick` reaches the interrupt controller as an edge, however far
 * apart the calls are. Channel 1 (DRAM refresh on old PCs) drives nothing;
 * the refresh toggle in port 0x61 bit 4 flips every 15 µs of guest time,
 * which is what software timing loops look at.
 *
 * After reset the channels are as a PC BIOS leaves them (and as QEMU resets
 * them): mode 3, count 0 (65536), binary, lo/hi access; channel 0 runs,
 * giving IRQ 0 at 18.2 Hz; channel 2's gate is low (port 0x61 = 0).
 */
import { BytePorts, fromBcd, toBcd } from "./bytewise.js";
import { type Clock, cyclesToTicks, type Device, type IrqLine, type Range, ticksToCycles } from "./device.js";

export const PIT_HZ = 1_193_182;

/** Stands for "never" in saved state (JSON has no Infinity). */
const NEVER = Number.MAX_SAFE_INTEGER;

/** Access modes (control word bits 5–4). */
const LATCH = 0;
const LOBYTE = 1;
const HIBYTE = 2;
const LOHI = 3;

export interface ChannelState {
  /** Mode bits as programmed (0–7; 6 and 7 act as 2 and 3). */
  modeBits: number;
  access: number;
  bcd: boolean;
  gate: boolean;
  /** Count register: the last count written, 16 raw bits. */
  cr: number;
  /** A full count has been written since the last control word. */
  loaded: boolean;
  /** lo/hi access: the low byte was written, the high byte is next. */
  writeHigh: boolean;
  crLow: number;
  /** lo/hi access: the next unlatched read returns the high byte. */
  readHigh: boolean;
  /** Latched count bytes still to read (0–2) and their value. */
  latchBytes: number;
  latchValue: number;
  statusLatched: boolean;
  status: number;
  /** The counting element is being clocked (false: waiting for a count or trigger, or stopped by GATE). */
  counting: boolean;
  /** Tick at which the counting element held `n` (it changes on the clocks after). */
  L: number;
  /** Value loaded at L as a magnitude (1 to 65536, or 10000 in BCD). */
  n: number;
  /** Modes 0, 1, 4, 5: the terminal-count event of this count is still ahead. */
  armed: boolean;
  /** While not counting, and before L: the counting element's value and OUT. */
  held: number;
  heldOut: boolean;
  /** The armed flag to resume with after GATE stopped the count. */
  heldArmed: boolean;
  /** Modes 2 and 3: the count written during counting takes over at tick switchAt. */
  switchAt: number;
  nextN: number;
  /** NULL COUNT reads 1 while the tick is below this. */
  nullUntil: number;
}

function freshChannel(): ChannelState {
  return {
    modeBits: 0,
    access: LOHI,
    bcd: false,
    gate: true,
    cr: 0,
    loaded: false,
    writeHigh: false,
    crLow: 0,
    readHigh: false,
    latchBytes: 0,
    latchValue: 0,
    statusLatched: false,
    status: 0,
    counting: false,
    L: 0,
    n: 0x10000,
    armed: false,
    held: 0,
    heldOut: false,
    heldArmed: false,
    switchAt: NEVER,
    nextN: 0,
    nullUntil: NEVER,
  };
}

function modeOf(c: ChannelState): number {
  return c.modeBits & 2 ? c.modeBits & 3 : c.modeBits;
}

function modulus(c: ChannelState): number {
  return c.bcd ? 10000 : 0x10000;
}

/** The count a written register value stands for (0 is the largest). */
function magnitude(c: ChannelState, raw: number): number {
  const v = c.bcd ? fromBcd(raw & 0xff) + 100 * fromBcd(raw >> 8) : raw;
  return v === 0 ? modulus(c) : v;
}

/** Clocks OUT stays high in one mode-3 period. */
function highClocks(n: number): number {
  return (n + 1) >> 1;
}

/** The counting element at tick t, 0 ≤ value < modulus once reduced. */
function valueAt(c: ChannelState, t: number): number {
  if (!c.counting || t < c.L) return c.held;
  const k = t - c.L;
  const n = c.n;
  switch (modeOf(c)) {
    case 2:
      return n - (k % n);
    case 3: {
      if (n & 1) {
        const p = k % n;
        const hi = highClocks(n);
        return p < hi ? n - 1 - 2 * p : n - 1 - 2 * (p - hi);
      }
      return n - 2 * (k % (n >> 1));
    }
    default: {
      const m = modulus(c);
      return (((n - k) % m) + m) % m;
    }
  }
}

/** OUT at tick t. */
function outAt(c: ChannelState, t: number): boolean {
  if (!c.counting || t < c.L) return c.heldOut;
  const k = t - c.L;
  const n = c.n;
  switch (modeOf(c)) {
    case 0:
    case 1:
      return !c.armed || k >= n;
    case 2:
      return n === 1 || k % n !== n - 1;
    case 3:
      return k % n < highClocks(n);
    default:
      return !c.armed || k !== n;
  }
}

/** Whether OUT rises at some tick in (a, b], within the current segment. */
function risesIn(c: ChannelState, a: number, b: number): boolean {
  if (!c.counting || b <= a) return false;
  const L = c.L;
  const n = c.n;
  switch (modeOf(c)) {
    case 0:
    case 1:
      return c.armed && a < L + n && L + n <= b;
    case 4:
    case 5:
      return c.armed && a < L + n + 1 && L + n + 1 <= b;
    default: {
      // Modes 2 and 3 rise at L + jN for j ≥ 1.
      if (n === 1) return false;
      const j = a < L ? 1 : Math.max(1, Math.floor((a - L) / n) + 1);
      return L + j * n <= b;
    }
  }
}

/** The first tick after t at which OUT may change, or NEVER. */
function nextChange(c: ChannelState, t: number): number {
  if (!c.counting) return NEVER;
  let next = NEVER;
  if (t < c.L) {
    // Only mode 1 changes OUT at the load itself; otherwise look on from L.
    if (outAt(c, c.L) !== c.heldOut) return Math.min(c.L, c.switchAt);
    t = c.L;
  }
  {
    const k = t - c.L;
    const n = c.n;
    switch (modeOf(c)) {
      case 0:
      case 1:
        if (c.armed && k < n) next = c.L + n;
        break;
      case 4:
      case 5:
        if (c.armed && k < n) next = c.L + n;
        else if (c.armed && k === n) next = t + 1;
        break;
      case 2: {
        if (n === 1) break;
        const p = k % n;
        next = p < n - 1 ? t + (n - 1 - p) : t + 1;
        break;
      }
      default: {
        if (n === 1) break;
        const p = k % n;
        const hi = highClocks(n);
        next = p < hi ? t + (hi - p) : t + (n - p);
        break;
      }
    }
  }
  return Math.min(next, c.switchAt);
}

/** Modes 2/3: a count written during counting takes over once its tick has come. */
function settle(c: ChannelState, t: number): void {
  if (t < c.switchAt) return;
  const s = c.switchAt;
  const n = c.nextN;
  if (modeOf(c) === 3 && outAt(c, s - 1)) {
    // The high half ended at s: the new count starts with its low half.
    c.L = s - highClocks(n);
  } else {
    c.L = s;
  }
  c.n = n;
  c.switchAt = NEVER;
}

/** Start counting `n` from tick L (value n at L); OUT before L stays as it is at `t`. */
function start(c: ChannelState, t: number, L: number, n: number, armed: boolean, outBefore: boolean): void {
  c.held = valueAt(c, t);
  c.heldOut = outBefore;
  c.counting = true;
  c.L = L;
  c.n = n;
  c.armed = armed;
  c.switchAt = NEVER;
}

/** Stop counting at tick t, keeping value and OUT. */
function stop(c: ChannelState, t: number): void {
  if (!c.counting) return;
  // The terminal-count event is still ahead while k < N (modes 0/1: OUT
  // rises at N; modes 4/5: the strobe is at N).
  c.heldArmed = c.armed && t - c.L < c.n;
  // A count written in this very tick is still loaded on the next clock.
  c.held = t < c.L ? c.n % modulus(c) : valueAt(c, t);
  c.heldOut = outAt(c, t);
  c.counting = false;
  c.switchAt = NEVER;
}

/** Status byte (read-back): OUT, NULL COUNT, RW, mode, BCD. */
function statusAt(c: ChannelState, t: number): number {
  return (outAt(c, t) ? 0x80 : 0) | (t < c.nullUntil ? 0x40 : 0) | (c.access << 4) | (c.modeBits << 1) | (c.bcd ? 1 : 0);
}

function encodeCount(c: ChannelState, v: number): number {
  v %= modulus(c);
  return c.bcd ? toBcd(v % 100) | (toBcd(Math.floor(v / 100)) << 8) : v;
}

export interface PitState {
  channels: ChannelState[];
  /** The tick up to which channel 0's edges have reached IRQ 0. */
  irqTick: number;
  speaker: boolean;
  /** Port 0x61 bits 2–3 (parity and channel check enables), kept as written. */
  portBLatch: number;
}

export class Pit extends BytePorts implements Device {
  readonly name = "pit";
  override readonly ports: readonly Range[] = [
    { base: 0x40, length: 4 },
    { base: 0x61, length: 1 },
  ];
  private ch: ChannelState[] = [freshChannel(), freshChannel(), freshChannel()];
  private irqTick = 0;
  private speaker = false;
  private portBLatch = 0;

  constructor(
    private readonly clock: Clock,
    private readonly irq0: IrqLine,
  ) {
    super();
    this.reset();
  }

  /** PIT input clocks elapsed since cycle 0. */
  private ticks(now: number): number {
    return cyclesToTicks(now, this.clock.hz, PIT_HZ);
  }

  reset(): void {
    const t = this.ticks(this.clock.now());
    this.ch = [freshChannel(), freshChannel(), freshChannel()];
    this.speaker = false;
    this.portBLatch = 0;
    for (let i = 0; i < 3; i++) {
      const c = this.ch[i];
      c.gate = i !== 2;
      this.control(i, 0x36, t);
      this.countWritten(c, 0, t);
    }
    this.irqTick = t;
    this.irq0.set(outAt(this.ch[0], t));
  }

  /**
   * Raise IRQ 0 for the rising edges of channel 0's OUT up to `now` and
   * return the cycle of OUT's next change (Infinity when it has none).
   */
  tick(now: number): number {
    const t = this.ticks(now);
    this.advance(t);
    const next = nextChange(this.ch[0], t);
    return next === NEVER ? Number.POSITIVE_INFINITY : ticksToCycles(next, this.clock.hz, PIT_HZ);
  }

  /** Channel 2's gate (port 0x61 bit 0), for machines that drive it elsewhere. */
  setGate2(level: boolean): void {
    const t = this.ticks(this.clock.now());
    this.advance(t);
    this.setGate(this.ch[2], level, t);
  }

  /** OUT of channel `i` now (channel 2's is port 0x61 bit 5). */
  out(i: number): boolean {
    const t = this.ticks(this.clock.now());
    this.advance(t);
    return outAt(this.ch[i], t);
  }

  save(): PitState {
    return {
      channels: this.ch.map((c) => ({ ...c })),
      irqTick: this.irqTick,
      speaker: this.speaker,
      portBLatch: this.portBLatch,
    };
  }

  restore(state: unknown): void {
    const s = state as PitState;
    this.ch = s.channels.map((c) => ({ ...freshChannel(), ...c }));
    this.irqTick = s.irqTick;
    this.speaker = s.speaker;
    this.portBLatch = s.portBLatch;
    this.irq0.set(outAt(this.ch[0], this.irqTick));
  }

  /** Bring every channel to tick t: channel 0's edges to IRQ 0, pending reloads into effect. */
  private advance(t: number): void {
    const c = this.ch[0];
    if (t > this.irqTick) {
      let a = this.irqTick;
      let rose = false;
      if (c.switchAt <= t) {
        rose = risesIn(c, a, c.switchAt);
        a = Math.max(a, c.switchAt);
        settle(c, t);
      }
      if (risesIn(c, a, t)) rose = true;
      this.irqTick = t;
      if (rose) {
        this.irq0.set(false);
        this.irq0.set(true);
      }
      this.irq0.set(outAt(c, t));
    }
    settle(this.ch[1], t);
    settle(this.ch[2], t);
  }

  protected override read8(port: number): number {
    const t = this.ticks(this.clock.now());
    this.advance(t);
    if (port === 0x61) return this.readPortB(t);
    if (port === 0x43) return 0xff; // the control register is write-only
    const c = this.ch[port - 0x40];
    if (c.statusLatched) {
      c.statusLatched = false;
      return c.status;
    }
    if (c.latchBytes > 0) {
      const v = c.latchValue;
      let b: number;
      if (c.access === LOHI) b = c.latchBytes === 2 ? v & 0xff : v >> 8;
      else b = c.access === HIBYTE ? v >> 8 : v & 0xff;
      c.latchBytes--;
      return b;
    }
    const v = encodeCount(c, valueAt(c, t));
    switch (c.access) {
      case LOBYTE:
        return v & 0xff;
      case HIBYTE:
        return v >> 8;
      default:
        c.readHigh = !c.readHigh;
        return c.readHigh ? v & 0xff : v >> 8;
    }
  }

  protected override write8(port: number, v: number): void {
    const t = this.ticks(this.clock.now());
    this.advance(t);
    if (port === 0x61) {
      this.speaker = (v & 0x02) !== 0;
      this.portBLatch = v & 0x0c;
      this.setGate(this.ch[2], (v & 0x01) !== 0, t);
      return;
    }
    if (port === 0x43) {
      const sel = v >> 6;
      if (sel === 3) this.readBack(v, t);
      else if (((v >> 4) & 3) === LATCH) this.latchCount(this.ch[sel], t);
      else this.control(sel, v, t);
    } else {
      this.writeCount(this.ch[port - 0x40], v, t);
    }
    if (port === 0x40 || port === 0x43) this.irq0.set(outAt(this.ch[0], t));
  }

  /** Bit 0 gate 2, bit 1 speaker data, bits 2–3 as written, bit 4 refresh toggle, bit 5 OUT2. */
  private readPortB(t: number): number {
    const us = cyclesToTicks(this.clock.now(), this.clock.hz, 1_000_000);
    const refresh = Math.floor(us / 15) & 1;
    const c2 = this.ch[2];
    return (c2.gate ? 1 : 0) | (this.speaker ? 2 : 0) | this.portBLatch | (refresh << 4) | (outAt(c2, t) ? 0x20 : 0);
  }

  /** A control word: mode, access and BCD for one channel; OUT goes to its initial level. */
  private control(i: number, v: number, t: number): void {
    const c = this.ch[i];
    stop(c, t);
    c.access = (v >> 4) & 3;
    c.modeBits = (v >> 1) & 7;
    c.bcd = (v & 1) !== 0;
    c.loaded = false;
    c.writeHigh = false;
    c.readHigh = false;
    c.latchBytes = 0;
    c.statusLatched = false;
    c.heldOut = modeOf(c) !== 0;
    c.armed = false;
    c.nullUntil = NEVER;
  }

  private latchCount(c: ChannelState, t: number): void {
    if (c.latchBytes > 0) return; // a second latch before the first is read is ignored
    c.latchValue = encodeCount(c, valueAt(c, t));
    c.latchBytes = c.access === LOHI ? 2 : 1;
  }

  /** Read-back (0b11 COUNT# STATUS# CNT2 CNT1 CNT0 0): latch count and/or status of several channels. */
  private readBack(v: number, t: number): void {
    for (let i = 0; i < 3; i++) {
      if (!(v & (2 << i))) continue;
      const c = this.ch[i];
      if (!(v & 0x20)) this.latchCount(c, t);
      if (!(v & 0x10) && !c.statusLatched) {
        c.status = statusAt(c, t);
        c.statusLatched = true;
      }
    }
  }

  private writeCount(c: ChannelState, v: number, t: number): void {
    switch (c.access) {
      case LOBYTE:
        c.cr = v;
        break;
      case HIBYTE:
        c.cr = v << 8;
        break;
      default:
        if (!c.writeHigh) {
          c.crLow = v;
          c.writeHigh = true;
          // Mode 0: writing the first byte stops counting and sets OUT low at once.
          if (modeOf(c) === 0) {
            stop(c, t);
            c.heldOut = false;
          }
          return;
        }
        c.writeHigh = false;
        c.cr = c.crLow | (v << 8);
        break;
    }
    this.countWritten(c, c.cr, t);
  }

  /** A complete count reached the count register at tick t. */
  private countWritten(c: ChannelState, raw: number, t: number): void {
    const n = magnitude(c, raw);
    const first = !c.loaded;
    c.loaded = true;
    switch (modeOf(c)) {
      case 0:
      case 4: {
        const outBefore = modeOf(c) === 4 ? (c.counting ? outAt(c, t) : c.heldOut) : false;
        c.nullUntil = t + 1;
        if (c.gate) start(c, t, t + 1, n, true, outBefore);
        else {
          // Loaded on the next clock, but GATE holds the count.
          stop(c, t);
          c.held = n % modulus(c);
          c.heldOut = outBefore;
          c.heldArmed = true;
        }
        break;
      }
      case 1:
      case 5:
        // Loaded by the next GATE trigger.
        c.nullUntil = NEVER;
        break;
      default: {
        // Modes 2 and 3.
        if (!c.gate) {
          c.nullUntil = NEVER;
        } else if (first || !c.counting || t < c.L) {
          c.nullUntil = t + 1;
          start(c, t, t + 1, n, false, true);
        } else {
          const s = this.periodEnd(c, t);
          c.switchAt = s;
          c.nextN = n;
          c.nullUntil = s;
        }
        break;
      }
    }
  }

  /** Modes 2/3: the tick that ends the current period (mode 2) or half-period (mode 3). */
  private periodEnd(c: ChannelState, t: number): number {
    if (t < c.L) return c.L;
    const k = t - c.L;
    const p = k % c.n;
    if (modeOf(c) === 2) return t + (c.n - p);
    const hi = highClocks(c.n);
    return p < hi ? t + (hi - p) : t + (c.n - p);
  }

  private setGate(c: ChannelState, level: boolean, t: number): void {
    if (level === c.gate) return;
    c.gate = level;
    switch (modeOf(c)) {
      case 0:
      case 4:
        if (!level) stop(c, t);
        else if (c.loaded && !c.counting) {
          // Resume from the held value on the next clock.
          const m = modulus(c);
          start(c, t, t, c.held === 0 ? m : c.held, c.heldArmed, c.heldOut);
        }
        break;
      case 1:
      case 5:
        if (level && c.loaded) {
          // Trigger: N is loaded on the next clock; mode 1 takes OUT low then.
          const out = c.counting ? outAt(c, t) : c.heldOut;
          if (c.nullUntil > t + 1) c.nullUntil = t + 1;
          start(c, t, t + 1, magnitude(c, c.cr), true, out);
        }
        break;
      default:
        if (!level) {
          stop(c, t);
          c.heldOut = true;
        } else if (c.loaded) {
          if (c.nullUntil > t + 1) c.nullUntil = t + 1;
          start(c, t, t + 1, magnitude(c, c.cr), false, true);
        }
        break;
    }
  }
}
