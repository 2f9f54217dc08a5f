/**
 * A National Semiconductor PC16550D UART (the "16550A" of PC serial ports),
 * at eight consecutive ports from `base` (0x3F8 for COM1).
 *
 * Registers per the datasheet: RBR/THR and the divisor latch (DLAB), IER,
 * IIR/FCR (16-byte FIFOs, receiver trigger level 1/4/8/14, FIFO resets,
 * IIR bits 7–6 = 11 with FIFOs on), LCR, MCR (loopback), LSR, MSR, SCR.
 *
 * Interrupt sources in the datasheet's priority order: receiver line status
 * (OE/PE/FE/BI), received data available (FIFO at its trigger level, or any
 * data in 16450 mode) and character timeout (data below the trigger level,
 * untouched for four character times of guest time), THR empty, modem status.
 * On a PC the INTR pin reaches the interrupt controller only while MCR.OUT2
 * is set, and in loopback mode OUT2 is internal, so the line stays low.
 *
 * Transmission is instantaneous: a byte written to THR goes to the output
 * callback (or, in loopback, into the receiver) at once, and THR is empty
 * again. The THR-empty interrupt follows the rules Linux's 8250 driver
 * probes for: it becomes pending when the transmitter empties and when
 * IER.ETBEI goes from 0 to 1 (THR being empty), and it is cleared by reading
 * IIR while it is the source reported there, or by writing THR (which here
 * immediately empties again, so the interrupt comes straight back).
 *
 * The receive path from the host never loses a byte: `receive` queues host
 * input on our side and moves it into the receiver as the FIFO drains;
 * `wantsInput` tells the machine when that queue is empty, so it can stop
 * reading its console until the guest catches up. Overruns happen only to
 * bytes that arrive regardless of space, i.e. in loopback.
 *
 * Without loopback the modem inputs read as a connected, ready line: CTS,
 * DSR and DCD asserted, RI not ringing.
 */
import { BytePorts } from "./bytewise.js";
import { type Clock, type Device, type IrqLine, type Range, ticksToCycles } from "./device.js";

/** The baud-rate generator's input clock: divisor 1 gives 115200 baud. */
const XTAL_HZ = 1_843_200;
const FIFO_SIZE = 16;

const IER_ERBFI = 0x01;
const IER_ETBEI = 0x02;
const IER_ELSI = 0x04;
const IER_EDSSI = 0x08;

const IIR_NONE = 0x01;
const IIR_MSR = 0x00;
const IIR_THRE = 0x02;
const IIR_RDA = 0x04;
const IIR_RLS = 0x06;
const IIR_CTI = 0x0c;

const LCR_DLAB = 0x80;

const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;
/** The inputs seen when not in loopback. */
const MSR_CONNECTED = MSR_CTS | MSR_DSR | MSR_DCD;

const TRIGGER = [1, 4, 8, 14];

export interface UartState {
  rx: number[];
  /** Last byte read from RBR (what an empty RBR keeps returning). */
  rbr: number;
  ier: number;
  fcr: number;
  lcr: number;
  mcr: number;
  lsrErrors: number;
  /** MSR bits 7–4 (inputs) and 3–0 (deltas). */
  msr: number;
  scr: number;
  divisor: number;
  thrPending: boolean;
  /** Cycle of the last receiver FIFO activity, for the character timeout. */
  lastRx: number;
  hostQueue: number[];
}

export class Uart extends BytePorts implements Device {
  readonly name: string;
  override readonly ports: readonly Range[];
  private readonly rx = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  private rbr = 0;
  private ier = 0;
  private fcr = 0;
  private lcr = 0;
  private mcr = 0;
  private lsrErrors = 0;
  private msr = MSR_CONNECTED;
  private scr = 0;
  private divisor = 12;
  private thrPending = false;
  private lastRx = 0;
  private host: number[] = [];
  private hostHead = 0;
  private irqLevel = false;

  constructor(
    private readonly base: number,
    private readonly irq: IrqLine,
    private readonly output: (byte: number) => void,
    private readonly clock: Clock,
  ) {
    super();
    this.name = `uart@0x${base.toString(16)}`;
    this.ports = [{ base, length: 8 }];
  }

  /** Bytes from the host console; they enter the receiver as it has room. */
  receive(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.host.push(bytes[i] & 0xff);
    this.pump();
    this.updateIrq(this.clock.now());
  }

  /** True when no host input is waiting: the machine may read more from its console. */
  get wantsInput(): boolean {
    return this.hostHead >= this.host.length;
  }

  /** Raise the character-timeout interrupt when due; return the cycle it falls due, or Infinity. */
  tick(now: number): number {
    this.updateIrq(now);
    if (!(this.fcr & 1) || this.rxCount === 0 || !(this.ier & IER_ERBFI)) return Number.POSITIVE_INFINITY;
    const due = this.timeoutAt();
    return due > now ? due : Number.POSITIVE_INFINITY;
  }

  /** Master reset: registers to their datasheet reset values (the divisor and scratch are not reset). */
  reset(): void {
    this.rxHead = this.rxCount = 0;
    this.ier = this.fcr = this.lcr = this.mcr = this.lsrErrors = 0;
    this.msr = MSR_CONNECTED;
    this.thrPending = false;
    this.pump();
    this.updateIrq(this.clock.now());
  }

  save(): UartState {
    const rx: number[] = [];
    for (let i = 0; i < this.rxCount; i++) rx.push(this.rx[(this.rxHead + i) % FIFO_SIZE]);
    return {
      rx,
      rbr: this.rbr,
      ier: this.ier,
      fcr: this.fcr,
      lcr: this.lcr,
      mcr: this.mcr,
      lsrErrors: this.lsrErrors,
      msr: this.msr,
      scr: this.scr,
      divisor: this.divisor,
      thrPending: this.thrPending,
      lastRx: this.lastRx,
      hostQueue: this.host.slice(this.hostHead),
    };
  }

  restore(state: unknown): void {
    const s = state as UartState;
    this.rx.set(s.rx);
    this.rxHead = 0;
    this.rxCount = s.rx.length;
    this.rbr = s.rbr;
    this.ier = s.ier;
    this.fcr = s.fcr;
    this.lcr = s.lcr;
    this.mcr = s.mcr;
    this.lsrErrors = s.lsrErrors;
    this.msr = s.msr;
    this.scr = s.scr;
    this.divisor = s.divisor;
    this.thrPending = s.thrPending;
    this.lastRx = s.lastRx;
    this.host = s.hostQueue.slice();
    this.hostHead = 0;
    this.irqLevel = this.wantsIrq(this.clock.now());
    this.irq.set(this.irqLevel);
  }

  private capacity(): number {
    return this.fcr & 1 ? FIFO_SIZE : 1;
  }

  /** The cycle at which four character times without FIFO activity have passed. */
  private timeoutAt(): number {
    const wl = 5 + (this.lcr & 3);
    const stopHalves = this.lcr & 4 ? (wl === 5 ? 3 : 4) : 2;
    const halfBits = 2 * (1 + wl + (this.lcr & 8 ? 1 : 0)) + stopHalves;
    // 16 clocks per bit, 4 characters: 4 * 16 * halfBits / 2 = 32 * halfBits clocks per divisor step.
    const clocks = 32 * halfBits * (this.divisor || 0x10000);
    return this.lastRx + ticksToCycles(clocks, this.clock.hz, XTAL_HZ);
  }

  /** Highest-priority pending interrupt, as IIR bits 3–0. */
  private ident(now: number): number {
    const ier = this.ier;
    if (ier & IER_ELSI && this.lsrErrors) return IIR_RLS;
    if (ier & IER_ERBFI && this.rxCount > 0) {
      if (!(this.fcr & 1) || this.rxCount >= TRIGGER[this.fcr >> 6]) return IIR_RDA;
      if (now >= this.timeoutAt()) return IIR_CTI;
    }
    if (ier & IER_ETBEI && this.thrPending) return IIR_THRE;
    if (ier & IER_EDSSI && this.msr & 0x0f) return IIR_MSR;
    return IIR_NONE;
  }

  /** The level of IRQ: INTR gated by OUT2, which loopback disconnects. */
  private wantsIrq(now: number): boolean {
    return this.ident(now) !== IIR_NONE && (this.mcr & (MCR_OUT2 | MCR_LOOP)) === MCR_OUT2;
  }

  private updateIrq(now: number): void {
    const level = this.wantsIrq(now);
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  /** A character arrives from the line (or from the transmitter in loopback). */
  private rxPush(byte: number, now: number): void {
    if (this.rxCount < this.capacity()) {
      this.rx[(this.rxHead + this.rxCount) % FIFO_SIZE] = byte;
      this.rxCount++;
    } else {
      // Overrun: in FIFO mode the new character is lost; in 16450 mode it replaces the held one.
      this.lsrErrors |= LSR_OE;
      if (!(this.fcr & 1)) this.rx[this.rxHead] = byte;
    }
    this.lastRx = now;
  }

  /**
   * Move queued host input into the receiver while there is room. The host
   * side honours hardware flow control: it sends only while the guest
   * asserts RTS, as a terminal set for RTS/CTS does. So input typed (or
   * piped) before the guest's driver opens the port waits instead of being
   * lost when the driver resets the FIFOs.
   */
  private pump(): void {
    if (this.mcr & MCR_LOOP || !(this.mcr & MCR_RTS)) return;
    const now = this.clock.now();
    while (this.hostHead < this.host.length && this.rxCount < this.capacity()) this.rxPush(this.host[this.hostHead++], now);
    if (this.hostHead >= this.host.length) {
      this.host.length = 0;
      this.hostHead = 0;
    } else if (this.hostHead > 4096) {
      this.host = this.host.slice(this.hostHead);
      this.hostHead = 0;
    }
  }

  private clearRx(): void {
    this.rxHead = this.rxCount = 0;
  }

  /** MSR inputs: from the MCR outputs in loopback, else a connected line. */
  private setModemInputs(inputs: number): void {
    const old = this.msr & 0xf0;
    const changed = old ^ inputs;
    let delta = 0;
    if (changed & MSR_CTS) delta |= 0x01;
    if (changed & MSR_DSR) delta |= 0x02;
    if (old & MSR_RI && !(inputs & MSR_RI)) delta |= 0x04; // trailing edge of RI
    if (changed & MSR_DCD) delta |= 0x08;
    this.msr = inputs | (this.msr & 0x0f) | delta;
  }

  private loopInputs(): number {
    const m = this.mcr;
    return (m & MCR_RTS ? MSR_CTS : 0) | (m & MCR_DTR ? MSR_DSR : 0) | (m & MCR_OUT1 ? MSR_RI : 0) | (m & MCR_OUT2 ? MSR_DCD : 0);
  }

  protected override read8(port: number): number {
    const now = this.clock.now();
    let v: number;
    switch (port - this.base) {
      case 0:
        if (this.lcr & LCR_DLAB) {
          v = this.divisor & 0xff;
          break;
        }
        if (this.rxCount > 0) {
          this.rbr = this.rx[this.rxHead];
          this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
          this.rxCount--;
          this.lastRx = now;
          this.pump();
        }
        v = this.rbr;
        break;
      case 1:
        v = this.lcr & LCR_DLAB ? this.divisor >> 8 : this.ier;
        break;
      case 2: {
        const id = this.ident(now);
        // Reading IIR while it reports THR empty clears that interrupt.
        if (id === IIR_THRE) this.thrPending = false;
        v = id | (this.fcr & 1 ? 0xc0 : 0);
        break;
      }
      case 3:
        v = this.lcr;
        break;
      case 4:
        v = this.mcr;
        break;
      case 5:
        v = (this.rxCount > 0 ? LSR_DR : 0) | this.lsrErrors | LSR_THRE | LSR_TEMT;
        this.lsrErrors = 0;
        break;
      case 6:
        v = this.msr;
        this.msr &= 0xf0;
        break;
      default:
        v = this.scr;
        break;
    }
    this.updateIrq(now);
    return v;
  }

  protected override write8(port: number, v: number): void {
    const now = this.clock.now();
    switch (port - this.base) {
      case 0:
        if (this.lcr & LCR_DLAB) {
          this.divisor = (this.divisor & 0xff00) | v;
          break;
        }
        this.transmit(v & ((1 << (5 + (this.lcr & 3))) - 1), now);
        break;
      case 1:
        if (this.lcr & LCR_DLAB) {
          this.divisor = (this.divisor & 0xff) | (v << 8);
          break;
        }
        // THR is always empty here, so turning ETBEI on makes the THRE interrupt pending.
        if (v & IER_ETBEI && !(this.ier & IER_ETBEI)) this.thrPending = true;
        else if (!(v & IER_ETBEI)) this.thrPending = false;
        this.ier = v & 0x0f;
        break;
      case 2:
        this.writeFcr(v, now);
        break;
      case 3:
        this.lcr = v;
        break;
      case 4: {
        const wasLoop = this.mcr & MCR_LOOP;
        this.mcr = v & 0x1f;
        if (this.mcr & MCR_LOOP) this.setModemInputs(this.loopInputs());
        else {
          if (wasLoop) this.setModemInputs(MSR_CONNECTED);
          this.pump();
        }
        break;
      }
      case 7:
        this.scr = v;
        break;
      default:
        break; // LSR and MSR are read-only
    }
    this.updateIrq(now);
  }

  private transmit(byte: number, now: number): void {
    this.thrPending = false;
    if (this.mcr & MCR_LOOP) this.rxPush(byte, now);
    else this.output(byte);
    // The byte left at once: THR is empty again.
    this.thrPending = true;
  }

  /** FCR: bit 0 enables the FIFOs (a change clears both), bits 1–2 clear them, bits 7–6 the trigger. */
  private writeFcr(v: number, now: number): void {
    const enable = v & 1;
    if (enable !== (this.fcr & 1)) this.clearRx();
    if (!enable) {
      this.fcr = 0;
    } else {
      if (v & 0x02) this.clearRx();
      this.fcr = v & 0xc9;
    }
    this.lastRx = now;
    this.pump();
  }
}
