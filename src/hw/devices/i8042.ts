/**
 * The 8042 keyboard controller at ports 0x60 (data) and 0x64 (status /
 * command), with a PS/2 keyboard on its first port and nothing on its
 * auxiliary (mouse) port.
 *
 * Controller: the command byte and the rest of its 32 bytes of RAM
 * (0x20–0x3F read, 0x60–0x7F write), self-test 0xAA → 0x55, interface tests
 * 0xAB / 0xA9 → 0x00, password test 0xA4 → 0xF1 (none), enable/disable of
 * both ports (0xAE/0xAD, 0xA8/0xA7), input port 0xC0, output port
 * 0xD0/0xD1 (bit 1 = A20 gate, bit 0 = 0 resets the processor), writes into
 * its own output buffer as keyboard or aux data (0xD2/0xD3), a byte to the
 * aux device (0xD4), A20 off/on (0xDD/0xDF), and the pulse commands
 * 0xF0–0xFF (bit 0 clear pulses the reset line, as 0xFE does).
 *
 * Commands and replies are processed at once, so IBF never reads 1 and a
 * reply is in the output buffer when the OUT that asked for it completes.
 * IRQ 1 is high while the output buffer holds keyboard (or controller)
 * data and command-byte bit 0 is set; IRQ 12 likewise for aux data and
 * bit 1. Reading port 0x60 empties the buffer and lowers the line before
 * the next byte, if any, moves in, so each byte is a fresh edge.
 *
 * No mouse: the aux port itself works (its loopback 0xD3 and test 0xA9
 * pass, as on any PS/2 controller), but a byte sent to the device with 0xD4
 * gets no answer from it, so the controller reports a timeout: 0xFE in the
 * output buffer with the aux and timeout status bits set. Linux's psmouse
 * driver takes that as an aborted command and gives up at once, where a
 * silent port would cost it its full command timeouts.
 *
 * Keyboard: reset 0xFF → 0xFA 0xAA, identify 0xF2 → 0xFA 0xAB 0x83 (0x41
 * when the controller translates to set 1, as real keyboards appear and as
 * QEMU answers), enable/disable scanning 0xF4/0xF5, defaults 0xF6, LEDs
 * 0xED, scan code set 0xF0, typematic 0xF3, echo 0xEE; every command is
 * acknowledged with 0xFA; unknown ones get 0xFE (resend). Writing to the
 * keyboard re-enables the keyboard interface (command-byte bit 4), as QEMU
 * does. Host keystrokes enter with `sendScancodes`, already in the code set
 * the guest expects.
 *
 * Power-on state is what a BIOS leaves: self-test passed (status SYS set),
 * command byte 0x61 (keyboard interrupt, aux disabled, translation on),
 * output port 0xCF (or 0xCD with A20 off).
 */
import { BytePorts } from "./bytewise.js";
import type { Device, IrqLine, Range } from "./device.js";

const STATUS_OBF = 0x01;
const STATUS_SYS = 0x04;
const STATUS_CMD = 0x08;
const STATUS_UNLOCKED = 0x10;
const STATUS_AUX = 0x20;
const STATUS_TIMEOUT = 0x40;

const CCB_KBD_INT = 0x01;
const CCB_AUX_INT = 0x02;
const CCB_SYS = 0x04;
const CCB_KBD_DISABLED = 0x10;
const CCB_AUX_DISABLED = 0x20;
const CCB_TRANSLATE = 0x40;

const OUT_RESET = 0x01;
const OUT_A20 = 0x02;

const ACK = 0xfa;
const RESEND = 0xfe;

/** Output-buffer entries carry flags above the data byte. */
const FROM_AUX = 0x100;
const TIMED_OUT = 0x200;

export interface I8042Options {
  /** Called when the output port's A20 bit changes. */
  readonly setA20?: (enabled: boolean) => void;
  /** Called when the guest pulses the reset line (output port bit 0 low). */
  readonly requestReset?: () => void;
  /** A20 at power-on; default enabled. */
  readonly a20?: boolean;
}

export interface I8042State {
  ram: number[];
  sys: boolean;
  outputPort: number;
  obf: boolean;
  /** The byte in the output buffer with FROM_AUX / TIMED_OUT flags. */
  out: number;
  ctrlQueue: number[];
  kbdQueue: number[];
  lastWasCommand: boolean;
  pendingCommand: number;
  kbdPendingCommand: number;
  scanning: boolean;
  scanSet: number;
  leds: number;
  typematic: number;
}

export class I8042 extends BytePorts implements Device {
  readonly name = "i8042";
  override readonly ports: readonly Range[] = [
    { base: 0x60, length: 1 },
    { base: 0x64, length: 1 },
  ];
  private ram = new Uint8Array(32);
  private sys = true;
  private outputPort = 0xcf;
  private obf = false;
  private out = 0;
  /** Controller replies and aux data, ahead of keyboard data. */
  private ctrlQueue: number[] = [];
  /** Bytes the keyboard has to send. */
  private kbdQueue: number[] = [];
  private lastWasCommand = false;
  /** A controller command waiting for its data byte on port 0x60 (0: none). */
  private pendingCommand = 0;
  /** A keyboard command waiting for its parameter byte (0: none). */
  private kbdPendingCommand = 0;
  private scanning = true;
  private scanSet = 2;
  private leds = 0;
  private typematic = 0x0b;
  private irq1Level = false;
  private irq12Level = false;
  private readonly setA20: (enabled: boolean) => void;
  private readonly requestReset: () => void;
  private readonly a20AtReset: boolean;

  constructor(
    private readonly irq1: IrqLine,
    private readonly irq12: IrqLine | null,
    options: I8042Options = {},
  ) {
    super();
    this.setA20 = options.setA20 ?? (() => {});
    this.requestReset = options.requestReset ?? (() => {});
    this.a20AtReset = options.a20 ?? true;
    this.reset();
  }

  /** The output port's A20 gate. */
  get a20(): boolean {
    return (this.outputPort & OUT_A20) !== 0;
  }

  /** Keystrokes from the host, as scan codes in the set the guest expects. Dropped while scanning is disabled. */
  sendScancodes(bytes: ArrayLike<number>): void {
    if (!this.scanning) return;
    for (let i = 0; i < bytes.length; i++) this.kbdQueue.push(bytes[i] & 0xff);
    this.refill();
    this.updateIrqs();
  }

  reset(): void {
    this.ram.fill(0);
    this.ram[0] = CCB_KBD_INT | CCB_AUX_DISABLED | CCB_TRANSLATE;
    this.sys = true;
    this.outputPort = this.a20AtReset ? 0xcf : 0xcd;
    this.obf = false;
    this.out = 0;
    this.ctrlQueue = [];
    this.kbdQueue = [];
    this.lastWasCommand = false;
    this.pendingCommand = 0;
    this.kbdPendingCommand = 0;
    this.keyboardDefaults();
    this.scanning = true;
    this.updateIrqs(true);
  }

  save(): I8042State {
    return {
      ram: Array.from(this.ram),
      sys: this.sys,
      outputPort: this.outputPort,
      obf: this.obf,
      out: this.out,
      ctrlQueue: this.ctrlQueue.slice(),
      kbdQueue: this.kbdQueue.slice(),
      lastWasCommand: this.lastWasCommand,
      pendingCommand: this.pendingCommand,
      kbdPendingCommand: this.kbdPendingCommand,
      scanning: this.scanning,
      scanSet: this.scanSet,
      leds: this.leds,
      typematic: this.typematic,
    };
  }

  restore(state: unknown): void {
    const s = state as I8042State;
    this.ram = Uint8Array.from(s.ram);
    this.sys = s.sys;
    this.outputPort = s.outputPort;
    this.obf = s.obf;
    this.out = s.out;
    this.ctrlQueue = s.ctrlQueue.slice();
    this.kbdQueue = s.kbdQueue.slice();
    this.lastWasCommand = s.lastWasCommand;
    this.pendingCommand = s.pendingCommand;
    this.kbdPendingCommand = s.kbdPendingCommand;
    this.scanning = s.scanning;
    this.scanSet = s.scanSet;
    this.leds = s.leds;
    this.typematic = s.typematic;
    this.updateIrqs(true);
  }

  protected override read8(port: number): number {
    if (port === 0x64) return this.status();
    const v = this.out & 0xff;
    if (this.obf) {
      this.obf = false;
      this.out &= 0xff; // the aux and timeout flags go with the byte
      this.updateIrqs();
      this.refill();
      this.updateIrqs();
    }
    return v;
  }

  private status(): number {
    let s = STATUS_UNLOCKED;
    if (this.obf) s |= STATUS_OBF;
    if (this.sys) s |= STATUS_SYS;
    if (this.lastWasCommand) s |= STATUS_CMD;
    if (this.obf && this.out & FROM_AUX) s |= STATUS_AUX;
    if (this.obf && this.out & TIMED_OUT) s |= STATUS_TIMEOUT;
    return s;
  }

  protected override write8(port: number, v: number): void {
    if (port === 0x64) this.command(v);
    else this.data(v);
    this.refill();
    this.updateIrqs();
  }

  /** Move the next byte into an empty output buffer: controller replies first, then the keyboard's. */
  private refill(): void {
    if (this.obf) return;
    if (this.ctrlQueue.length > 0) {
      this.out = this.ctrlQueue.shift()!;
      this.obf = true;
    } else if (this.kbdQueue.length > 0 && !(this.ram[0] & CCB_KBD_DISABLED)) {
      this.out = this.kbdQueue.shift()!;
      this.obf = true;
    }
  }

  /** Drive IRQ 1 and IRQ 12 from the output buffer (on change, or always when `force`). */
  private updateIrqs(force = false): void {
    const ccb = this.ram[0];
    const l1 = this.obf && !(this.out & FROM_AUX) && (ccb & CCB_KBD_INT) !== 0;
    const l12 = this.obf && (this.out & FROM_AUX) !== 0 && (ccb & CCB_AUX_INT) !== 0;
    if (force || l1 !== this.irq1Level) {
      this.irq1Level = l1;
      this.irq1.set(l1);
    }
    if (force || l12 !== this.irq12Level) {
      this.irq12Level = l12;
      this.irq12?.set(l12);
    }
  }

  private reply(byte: number): void {
    this.ctrlQueue.push(byte);
  }

  private command(cmd: number): void {
    this.lastWasCommand = true;
    this.pendingCommand = 0;
    if (cmd >= 0x20 && cmd <= 0x3f) {
      this.reply(this.ram[cmd & 0x1f]);
      return;
    }
    if (cmd >= 0x60 && cmd <= 0x7f) {
      this.pendingCommand = cmd;
      return;
    }
    if (cmd >= 0xf0) {
      // Pulse the output port bits whose command bits are 0; bit 0 is the reset line.
      if (!(cmd & 1)) this.requestReset();
      return;
    }
    switch (cmd) {
      case 0xa4: // password installed?
        this.reply(0xf1);
        break;
      case 0xa7:
        this.ram[0] |= CCB_AUX_DISABLED;
        break;
      case 0xa8:
        this.ram[0] &= ~CCB_AUX_DISABLED;
        break;
      case 0xa9: // aux interface test: lines fine
      case 0xab: // keyboard interface test
        this.reply(0x00);
        break;
      case 0xaa:
        this.sys = true;
        this.reply(0x55);
        break;
      case 0xad:
        this.ram[0] |= CCB_KBD_DISABLED;
        break;
      case 0xae:
        this.ram[0] &= ~CCB_KBD_DISABLED;
        break;
      case 0xc0: // input port: keyboard not inhibited
        this.reply(0x80);
        break;
      case 0xd0: {
        const ob = (this.irq1Level ? 0x10 : 0) | (this.irq12Level ? 0x20 : 0);
        this.reply((this.outputPort & ~0x30) | ob);
        break;
      }
      case 0xd1:
      case 0xd2:
      case 0xd3:
      case 0xd4:
        this.pendingCommand = cmd;
        break;
      case 0xdd:
        this.writeOutputPort(this.outputPort & ~OUT_A20);
        break;
      case 0xdf:
        this.writeOutputPort(this.outputPort | OUT_A20);
        break;
      case 0xe0: // test inputs: clock and data low
        this.reply(0x00);
        break;
      default:
        break; // unknown commands are ignored
    }
  }

  private data(v: number): void {
    this.lastWasCommand = false;
    const cmd = this.pendingCommand;
    this.pendingCommand = 0;
    if (cmd >= 0x60 && cmd <= 0x7f) {
      this.ram[cmd & 0x1f] = v;
      if (cmd === 0x60) this.sys = (v & CCB_SYS) !== 0;
      return;
    }
    switch (cmd) {
      case 0xd1:
        this.writeOutputPort(v);
        return;
      case 0xd2:
        this.reply(v);
        return;
      case 0xd3:
        this.reply(v | FROM_AUX);
        return;
      case 0xd4:
        // Nothing on the aux port clocks the byte in: the controller times out.
        this.reply(RESEND | FROM_AUX | TIMED_OUT);
        return;
      default:
        this.keyboard(v);
    }
  }

  private writeOutputPort(v: number): void {
    const old = this.outputPort;
    this.outputPort = v;
    if ((old ^ v) & OUT_A20) this.setA20((v & OUT_A20) !== 0);
    if (!(v & OUT_RESET)) this.requestReset();
  }

  private keyboardDefaults(): void {
    this.scanSet = 2;
    this.leds = 0;
    this.typematic = 0x0b;
  }

  private send(...bytes: number[]): void {
    for (const b of bytes) this.kbdQueue.push(b);
  }

  /** A byte for the keyboard (port 0x60 with no controller command pending). */
  private keyboard(v: number): void {
    this.ram[0] &= ~CCB_KBD_DISABLED;
    const pending = this.kbdPendingCommand;
    if (pending) {
      this.kbdPendingCommand = 0;
      if (pending === 0xed) this.leds = v & 7;
      else if (pending === 0xf3) this.typematic = v & 0x7f;
      else if (pending === 0xf0) {
        if (v === 0) {
          const translated = this.ram[0] & CCB_TRANSLATE;
          this.send(ACK, translated ? [0, 0x43, 0x41, 0x3f][this.scanSet] : this.scanSet);
          return;
        }
        if (v >= 1 && v <= 3) this.scanSet = v;
      }
      this.send(ACK);
      return;
    }
    switch (v) {
      case 0xed:
      case 0xf0:
      case 0xf3:
        this.kbdPendingCommand = v;
        this.send(ACK);
        break;
      case 0xee:
        this.send(0xee);
        break;
      case 0xf2:
        this.send(ACK, 0xab, this.ram[0] & CCB_TRANSLATE ? 0x41 : 0x83);
        break;
      case 0xf4:
        this.scanning = true;
        this.send(ACK);
        break;
      case 0xf5:
        this.kbdQueue = [];
        this.keyboardDefaults();
        this.scanning = false;
        this.send(ACK);
        break;
      case 0xf6:
        this.kbdQueue = [];
        this.keyboardDefaults();
        this.send(ACK);
        break;
      case 0xff:
        this.kbdQueue = [];
        this.keyboardDefaults();
        this.scanning = true;
        this.send(ACK, 0xaa);
        break;
      default:
        this.send(RESEND);
        break;
    }
  }
}
