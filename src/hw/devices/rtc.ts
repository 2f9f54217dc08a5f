/**
 * The MC146818 real-time clock and CMOS RAM at ports 0x70 (index; bit 7 is
 * the NMI mask, which does not take part in the index) and 0x71 (data).
 *
 * Time runs on guest cycles from a start time given at construction, never
 * on the host's clock. All of the chip's timing derives from its
 * 32.768 kHz time base, counted here as `cyclesToTicks(now)` ticks plus a
 * phase: a second ends every 32768 ticks, the periodic interrupt fires every
 * 2^(RS−1) ticks, and UIP (register A bit 7) is high for the 8 ticks
 * (244 µs) before each second's update. The update itself is instantaneous
 * here (the chip takes up to 1984 µs, during which UIP stays high); that is
 * within what software must tolerate and keeps the registers always valid.
 *
 * The time is kept as seconds since the epoch (UTC) and converted to and
 * from the register format (BCD or binary, 12- or 24-hour, per register B)
 * on each access, so changing DM or 24/12 reformats the time rather than
 * corrupting it. The century lives in CMOS byte 0x32 (as on PC BIOSes,
 * which maintain it alongside the clock). The day of the week is the true
 * one (Sunday = 1) plus whatever offset the guest wrote. Daylight saving
 * (DSE) and the square-wave pin (SQWE) are kept as bits with no effect.
 *
 * Flags in register C are brought up to date lazily from guest time on
 * every access; `tick` does the same and reports the cycle at which an
 * enabled interrupt is next due. IRQ 8 is high while IRQF is set, until
 * register C is read.
 *
 * The NVRAM is filled as a PC BIOS leaves it: equipment byte, base and
 * extended memory sizes (0x15–0x18, 0x30–0x31, 0x34–0x35), century, and the
 * checksum over 0x10–0x2D at 0x2E–0x2F.
 */
import { BytePorts, fromBcd, toBcd } from "./bytewise.js";
import { type Clock, cyclesToTicks, type Device, type IrqLine, type Range, ticksToCycles } from "./device.js";

const BASE_HZ = 32768;
/** UIP rises 244 µs (8 time-base ticks) before the update. */
const UIP_TICKS = 8;

export const REG_A = 0x0a;
export const REG_B = 0x0b;
export const REG_C = 0x0c;
export const REG_D = 0x0d;
export const CMOS_CENTURY = 0x32;

const A_UIP = 0x80;
const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_DM_BINARY = 0x04;
const B_24H = 0x02;
const C_IRQF = 0x80;
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;

export interface RtcOptions {
  /** Time at cycle 0: a Date, or seconds since the epoch (fractions give the phase within the second). */
  readonly start: Date | number;
  /** RAM size for the memory-size bytes; default 0 (no memory reported). */
  readonly memoryBytes?: number;
}

export interface RtcState {
  cmos: number[];
  index: number;
  nmiMasked: boolean;
  /** Seconds since the epoch at second `k0` of the time base. */
  seconds: number;
  k0: number;
  /** Added to cyclesToTicks(now) to get time-base ticks. */
  phase: number;
  /** Time-base tick up to which flags are current. */
  lastTick: number;
  dowOffset: number;
}

/** Time-base ticks per periodic interrupt for rate select rs (0: none). */
function periodTicks(rs: number): number {
  if (rs === 0) return 0;
  return rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
}

/** Milliseconds since the epoch of a UTC date; unlike Date.UTC, years 0–99 are not taken as 19xx. */
function utc(year: number, month: number, day: number, h: number, m: number, s: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(h, m, s, 0);
  return d.getTime();
}

export class Rtc extends BytePorts implements Device {
  readonly name = "rtc";
  override readonly ports: readonly Range[] = [{ base: 0x70, length: 2 }];
  private cmos = new Uint8Array(128);
  private index = 0;
  /** Bit 7 of the last index write: the NMI mask (kept for the machine to read). */
  nmiMasked = false;
  private seconds = 0;
  private k0 = 0;
  private phase = 0;
  private lastTick = 0;
  private dowOffset = 0;
  private readonly startSeconds: number;
  private readonly memoryBytes: number;

  constructor(
    private readonly clock: Clock,
    private readonly irq8: IrqLine,
    options: RtcOptions,
  ) {
    super();
    this.startSeconds = typeof options.start === "number" ? options.start : options.start.getTime() / 1000;
    this.memoryBytes = options.memoryBytes ?? 0;
    this.powerOn();
  }

  /** Battery-backed power-on: time from the start option, NVRAM as a BIOS leaves it. */
  private powerOn(): void {
    this.cmos.fill(0);
    this.cmos[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.cmos[REG_B] = B_24H; // 24-hour, BCD
    this.cmos[REG_D] = 0x80; // VRT: the battery is good
    const whole = Math.floor(this.startSeconds);
    this.seconds = whole;
    const frac = Math.min(Math.round((this.startSeconds - whole) * BASE_HZ), BASE_HZ - 1);
    this.phase = frac - cyclesToTicks(this.clock.now(), this.clock.hz, BASE_HZ);
    this.k0 = Math.floor(this.baseTicks(this.clock.now()) / BASE_HZ);
    this.lastTick = this.baseTicks(this.clock.now());
    this.dowOffset = 0;
    this.fillNvram();
  }

  private fillNvram(): void {
    const c = this.cmos;
    const kb = Math.floor(this.memoryBytes / 1024);
    const base = Math.min(kb, 640);
    c[0x14] = 0x02; // equipment: no floppy, x87 present, display type 00 (EGA/VGA or none)
    c[0x15] = base & 0xff;
    c[0x16] = base >> 8;
    const ext = Math.min(Math.max(kb - 1024, 0), 0xffff);
    c[0x17] = c[0x30] = ext & 0xff;
    c[0x18] = c[0x31] = ext >> 8;
    const above16 = Math.min(Math.max(Math.floor(this.memoryBytes / 65536) - 256, 0), 0xffff);
    c[0x34] = above16 & 0xff;
    c[0x35] = above16 >> 8;
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += c[i];
    c[0x2e] = (sum >> 8) & 0xff;
    c[0x2f] = sum & 0xff;
  }

  /**
   * The RESET pin: clears PIE, AIE, UIE, SQWE and the flags, lowers IRQ 8.
   * Time and NVRAM survive (the chip is battery-backed).
   */
  reset(): void {
    this.advance(this.clock.now());
    this.cmos[REG_B] &= ~(B_PIE | B_AIE | B_UIE | 0x08);
    this.cmos[REG_C] = 0;
    this.irq8.set(false);
  }

  /** Update flags to `now`; return the cycle at which an enabled interrupt is next due. */
  tick(now: number): number {
    this.advance(now);
    const b = this.cmos[REG_B];
    if (!this.running()) return Number.POSITIVE_INFINITY;
    const t = this.baseTicks(now);
    let next = Number.POSITIVE_INFINITY;
    const period = periodTicks(this.cmos[REG_A] & 0x0f);
    if (b & B_PIE && period) next = (Math.floor(t / period) + 1) * period;
    if (b & (B_UIE | B_AIE) && !(b & B_SET)) next = Math.min(next, (Math.floor(t / BASE_HZ) + 1) * BASE_HZ);
    if (next === Number.POSITIVE_INFINITY) return next;
    return ticksToCycles(next - this.phase, this.clock.hz, BASE_HZ);
  }

  save(): RtcState {
    return {
      cmos: Array.from(this.cmos),
      index: this.index,
      nmiMasked: this.nmiMasked,
      seconds: this.seconds,
      k0: this.k0,
      phase: this.phase,
      lastTick: this.lastTick,
      dowOffset: this.dowOffset,
    };
  }

  restore(state: unknown): void {
    const s = state as RtcState;
    this.cmos = Uint8Array.from(s.cmos);
    this.index = s.index;
    this.nmiMasked = s.nmiMasked;
    this.seconds = s.seconds;
    this.k0 = s.k0;
    this.phase = s.phase;
    this.lastTick = s.lastTick;
    this.dowOffset = s.dowOffset;
    this.irq8.set((this.cmos[REG_C] & C_IRQF) !== 0);
  }

  /** Time-base ticks at cycle `now`. */
  private baseTicks(now: number): number {
    return cyclesToTicks(now, this.clock.hz, BASE_HZ) + this.phase;
  }

  /** The divider chain runs (DV = 000, 001 or 010; 11x holds it in reset). */
  private running(): boolean {
    return (this.cmos[REG_A] & 0x70) <= 0x20;
  }

  /** Seconds are counted (divider running and SET clear). */
  private updating(): boolean {
    return this.running() && !(this.cmos[REG_B] & B_SET);
  }

  /** Seconds since the epoch at time-base tick t. */
  private secondsAt(t: number): number {
    return this.updating() ? this.seconds + Math.floor(t / BASE_HZ) - this.k0 : this.seconds;
  }

  /** Freeze the counted time into `seconds` (before the counting rules change). */
  private freeze(t: number): void {
    this.seconds = this.secondsAt(t);
    this.k0 = Math.floor(t / BASE_HZ);
  }

  /** Set PF, UF and AF for the events between the last update and `now`; drive IRQ 8. */
  private advance(now: number): void {
    const t = this.baseTicks(now);
    const last = this.lastTick;
    if (t <= last) return;
    this.lastTick = t;
    if (!this.running()) return;
    let c = this.cmos[REG_C];
    const period = periodTicks(this.cmos[REG_A] & 0x0f);
    if (period && Math.floor(t / period) > Math.floor(last / period)) c |= C_PF;
    if (this.updating()) {
      const k1 = Math.floor(last / BASE_HZ);
      const k2 = Math.floor(t / BASE_HZ);
      if (k2 > k1) {
        c |= C_UF;
        // Alarm: compare at each update; a day covers every possible match.
        const s2 = this.seconds + k2 - this.k0;
        const from = Math.max(s2 - (k2 - k1) + 1, s2 - 86400);
        for (let s = from; s <= s2; s++) {
          if (this.alarmMatches(s)) {
            c |= C_AF;
            break;
          }
        }
      }
    }
    this.setFlags(c);
  }

  /** IRQF = PF·PIE + AF·AIE + UF·UIE (flag and enable bits share positions 6–4). */
  private setFlags(c: number): void {
    const irqf = (c & this.cmos[REG_B] & (C_PF | C_AF | C_UF)) !== 0;
    this.cmos[REG_C] = irqf ? c | C_IRQF : c & ~C_IRQF;
    this.irq8.set(irqf);
  }

  /** The alarm bytes against the time at second s; 0xC0–0xFF in an alarm byte matches anything. */
  private alarmMatches(s: number): boolean {
    const d = new Date(s * 1000);
    const pairs: [number, number][] = [
      [this.cmos[1], this.encode(d.getUTCSeconds())],
      [this.cmos[3], this.encode(d.getUTCMinutes())],
      [this.cmos[5], this.encodeHour(d.getUTCHours())],
    ];
    for (const [alarm, now] of pairs) if ((alarm & 0xc0) !== 0xc0 && alarm !== now) return false;
    return true;
  }

  private encode(v: number): number {
    return this.cmos[REG_B] & B_DM_BINARY ? v : toBcd(v);
  }

  private decode(v: number): number {
    return this.cmos[REG_B] & B_DM_BINARY ? v : fromBcd(v);
  }

  private encodeHour(h: number): number {
    if (this.cmos[REG_B] & B_24H) return this.encode(h);
    const h12 = h % 12 === 0 ? 12 : h % 12;
    return this.encode(h12) | (h >= 12 ? 0x80 : 0);
  }

  private decodeHour(v: number): number {
    if (this.cmos[REG_B] & B_24H) return this.decode(v);
    return (this.decode(v & 0x7f) % 12) + (v & 0x80 ? 12 : 0);
  }

  protected override read8(port: number): number {
    if (port === 0x70) return 0xff; // the index register is write-only
    const now = this.clock.now();
    this.advance(now);
    const i = this.index;
    if (i <= 9 || i === CMOS_CENTURY) {
      if (i === 1 || i === 3 || i === 5) return this.cmos[i];
      const d = new Date(this.secondsAt(this.baseTicks(now)) * 1000);
      switch (i) {
        case 0:
          return this.encode(d.getUTCSeconds());
        case 2:
          return this.encode(d.getUTCMinutes());
        case 4:
          return this.encodeHour(d.getUTCHours());
        case 6:
          return this.encode(((d.getUTCDay() + this.dowOffset) % 7) + 1);
        case 7:
          return this.encode(d.getUTCDate());
        case 8:
          return this.encode(d.getUTCMonth() + 1);
        case 9:
          return this.encode(d.getUTCFullYear() % 100);
        default:
          return toBcd(Math.floor(d.getUTCFullYear() / 100) % 100);
      }
    }
    switch (i) {
      case REG_A: {
        const t = this.baseTicks(now);
        const uip = this.updating() && t % BASE_HZ >= BASE_HZ - UIP_TICKS;
        return (this.cmos[REG_A] & 0x7f) | (uip ? A_UIP : 0);
      }
      case REG_C: {
        const c = this.cmos[REG_C];
        this.cmos[REG_C] = 0;
        this.irq8.set(false);
        return c;
      }
      case REG_D:
        return 0x80;
      default:
        return this.cmos[i];
    }
  }

  protected override write8(port: number, v: number): void {
    if (port === 0x70) {
      this.index = v & 0x7f;
      this.nmiMasked = (v & 0x80) !== 0;
      return;
    }
    const now = this.clock.now();
    this.advance(now);
    const t = this.baseTicks(now);
    const i = this.index;
    switch (i) {
      case 0:
      case 2:
      case 4:
      case 6:
      case 7:
      case 8:
      case 9:
      case CMOS_CENTURY:
        this.writeTime(i, v, t);
        return;
      case REG_A: {
        const wasRunning = this.running();
        if (wasRunning) this.freeze(t);
        this.cmos[REG_A] = v & 0x7f;
        if (!wasRunning && this.running()) {
          // Leaving divider reset: the first update comes half a second later.
          this.phase += BASE_HZ / 2 - (t % BASE_HZ);
          this.lastTick = this.baseTicks(now);
          this.k0 = Math.floor(this.lastTick / BASE_HZ);
        }
        return;
      }
      case REG_B: {
        const setting = v & B_SET;
        if (setting && !(this.cmos[REG_B] & B_SET)) this.freeze(t);
        if (!setting && this.cmos[REG_B] & B_SET) this.k0 = Math.floor(t / BASE_HZ);
        // Setting SET clears UIE (datasheet, register B).
        this.cmos[REG_B] = setting ? v & ~B_UIE : v;
        this.setFlags(this.cmos[REG_C]);
        return;
      }
      case REG_C:
      case REG_D:
        return; // read-only
      default:
        this.cmos[i] = v;
    }
  }

  /** Replace one field of the current time with a written register value. */
  private writeTime(i: number, v: number, t: number): void {
    const now = this.secondsAt(t);
    const d = new Date(now * 1000);
    let year = d.getUTCFullYear();
    let month = d.getUTCMonth();
    let day = d.getUTCDate();
    let hour = d.getUTCHours();
    let minute = d.getUTCMinutes();
    let second = d.getUTCSeconds();
    switch (i) {
      case 0:
        second = this.decode(v);
        break;
      case 2:
        minute = this.decode(v);
        break;
      case 4:
        hour = this.decodeHour(v);
        break;
      case 6:
        this.dowOffset = (((this.decode(v) - 1 - d.getUTCDay()) % 7) + 7) % 7;
        return;
      case 7:
        day = this.decode(v);
        break;
      case 8:
        month = this.decode(v) - 1;
        break;
      case 9:
        year = Math.floor(year / 100) * 100 + this.decode(v);
        break;
      default:
        year = fromBcd(v) * 100 + (year % 100);
        break;
    }
    const dow = (d.getUTCDay() + this.dowOffset) % 7;
    const s = Math.floor(utc(year, month, day, hour, minute, second) / 1000);
    // Seconds restart counting from this second of the time base.
    this.seconds = s;
    this.k0 = Math.floor(t / BASE_HZ);
    const nd = new Date(s * 1000).getUTCDay();
    this.dowOffset = (((dow - nd) % 7) + 7) % 7;
  }
}
