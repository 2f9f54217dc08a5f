/**
 * The PC/AT's two 8259A programmable interrupt controllers: the master at
 * ports 0x20/0x21 takes IRQ 0–7, the slave at 0xA0/0xA1 takes IRQ 8–15 and
 * drives the master's input 2 (the cascade), and the edge/level control
 * registers (ELCR) of later chipsets sit at 0x4D0/0x4D1.
 *
 * Behaviour follows the Intel 8259A datasheet: the ICW1–ICW4 initialization
 * sequence, OCW1 (mask), OCW2 (non-specific and specific EOI, rotation,
 * set priority), OCW3 (read IRR/ISR, poll, special mask mode), fully nested
 * and special fully nested modes, automatic EOI (with rotation).
 *
 * Choices where the datasheet leaves room or the PC differs:
 * - An edge-triggered input latches its IRR bit on the rising edge and the
 *   bit stays set until the interrupt is acknowledged, even if the line
 *   drops first (as QEMU's model does). The datasheet wants the line held
 *   until INTA; holding it here would make IRQs depend on how often the
 *   machine ticks the devices that pulse their lines.
 * - A level-triggered input (ELCR bit, or ICW1.LTIM for the whole chip)
 *   requests while its line is high; the IRR bit follows the line.
 * - When INTA finds no request (a level-triggered line dropped before the
 *   acknowledge, or the slave's request vanished after the master latched
 *   its cascade input), the chip answers with its IR7 vector and sets no
 *   ISR bit: the spurious IRQ 7 / IRQ 15 that Linux counts. For a spurious
 *   slave interrupt the master has still acknowledged IR2, so its ISR bit 2
 *   is set and needs an EOI.
 * - ICW4.µPM = 0 (8080/8085 mode) is not modelled: vectors are always the
 *   x86 form, ICW2 & 0xF8 plus the level.
 * - `irq(2)` is the ISA bus's IRQ 2 pin, which the AT routes to IRQ 9.
 */
import type { InterruptSource } from "../cpu/interpreter.js";
import { BytePorts } from "./bytewise.js";
import type { Device, IrqLine, Range } from "./device.js";

/** One 8259A. Plain fields so that save/restore can copy them. */
interface ChipState {
  irr: number;
  isr: number;
  imr: number;
  /** Input line levels as last driven. */
  lines: number;
  elcr: number;
  /** ICW2 & 0xF8. */
  base: number;
  /** The level with the lowest priority (7 after initialization); the highest is the next one. */
  lowest: number;
  /** The ICW expected next on the odd port: 2, 3 or 4; 0 once initialized. */
  initStep: number;
  icw4Needed: boolean;
  single: boolean;
  /** ICW1.LTIM: every input level-triggered. */
  ltim: boolean;
  icw3: number;
  autoEoi: boolean;
  rotateOnAutoEoi: boolean;
  specialFullyNested: boolean;
  /** OCW3.RIS: reads of the even port return ISR instead of IRR. */
  readIsr: boolean;
  /** OCW3.P: the next read of the chip is a poll. */
  poll: boolean;
  specialMask: boolean;
}

function freshChip(): ChipState {
  return {
    irr: 0,
    isr: 0,
    imr: 0,
    lines: 0,
    elcr: 0,
    base: 0,
    lowest: 7,
    initStep: 0,
    icw4Needed: false,
    single: false,
    ltim: false,
    icw3: 0,
    autoEoi: false,
    rotateOnAutoEoi: false,
    specialFullyNested: false,
    readIsr: false,
    poll: false,
    specialMask: false,
  };
}

/** ELCR bits that exist: IRQ 0, 1, 2, 8 and 13 are always edge-triggered on the PC. */
const ELCR_MASK_MASTER = 0xf8;
const ELCR_MASK_SLAVE = 0xde;
const CASCADE = 2;

function levelMask(c: ChipState): number {
  return c.ltim ? 0xff : c.elcr;
}

/**
 * The level the chip would present at INTA, or -1: the highest-priority
 * unmasked request not blocked by an in-service level of equal or higher
 * priority. In special mask mode only a level's own ISR bit blocks it
 * (datasheet: "enables interrupts from all levels that are not masked").
 * In special fully nested mode the master's in-service cascade level does
 * not block further requests from the slave.
 */
function resolve(c: ChipState, master: boolean): number {
  let req = c.irr & ~c.imr & 0xff;
  if (req === 0) return -1;
  let blocking = c.isr;
  if (c.specialMask) {
    req &= ~c.isr;
    blocking = 0;
  } else if (master && c.specialFullyNested) {
    blocking &= ~(1 << CASCADE);
  }
  for (let p = 0; p < 8; p++) {
    const bit = 1 << ((c.lowest + 1 + p) & 7);
    if (blocking & bit) return -1;
    if (req & bit) return (c.lowest + 1 + p) & 7;
  }
  return -1;
}

/** The highest-priority level in service, or -1. */
function highestInService(c: ChipState): number {
  for (let p = 0; p < 8; p++) {
    const n = (c.lowest + 1 + p) & 7;
    if (c.isr & (1 << n)) return n;
  }
  return -1;
}

/** The chip's half of an INTA cycle (or a poll) for level n. */
function intack(c: ChipState, n: number): void {
  const bit = 1 << n;
  if (c.autoEoi) {
    if (c.rotateOnAutoEoi) c.lowest = n;
  } else {
    c.isr |= bit;
  }
  // A level-triggered request stays in IRR while its line is high.
  if (!(levelMask(c) & bit)) c.irr &= ~bit;
}

/** Drive input n of chip c. */
function drive(c: ChipState, n: number, level: boolean): void {
  const bit = 1 << n;
  const was = c.lines & bit;
  if (level) {
    c.lines |= bit;
    if (levelMask(c) & bit || !was) c.irr |= bit;
  } else {
    c.lines &= ~bit;
    if (levelMask(c) & bit) c.irr &= ~bit;
  }
}

export interface PicState {
  master: ChipState;
  slave: ChipState;
}

export class Pic extends BytePorts implements Device, InterruptSource {
  readonly name = "pic";
  override readonly ports: readonly Range[] = [
    { base: 0x20, length: 2 },
    { base: 0xa0, length: 2 },
    { base: 0x4d0, length: 2 },
  ];
  private master = freshChip();
  private slave = freshChip();
  private intr = false;
  private readonly lines: IrqLine[];

  constructor() {
    super();
    this.lines = [];
    for (let n = 0; n < 16; n++) {
      const input = n === CASCADE ? 9 : n;
      this.lines.push({ set: (level: boolean) => this.setIrq(input, level) });
    }
  }

  /** The IrqLine for ISA IRQ n (0–15); IRQ 2 is wired to IRQ 9 as on the AT. */
  irq(n: number): IrqLine {
    if (!(n >= 0 && n < 16)) throw new RangeError(`no IRQ ${n} on the 8259 pair`);
    return this.lines[n];
  }

  /** INTR to the processor: cached, updated whenever the PIC's state changes. */
  get pending(): boolean {
    return this.intr;
  }

  /** The INTA cycle: the vector of the highest-priority request, now in service. */
  acknowledge(): number {
    const m = this.master;
    const s = this.slave;
    const n = resolve(m, true);
    if (n < 0) {
      this.update();
      return (m.base + 7) & 0xff;
    }
    let vector: number;
    if (n === CASCADE && !m.single) {
      const n2 = resolve(s, false);
      if (n2 >= 0) {
        intack(s, n2);
        vector = s.base + n2;
      } else {
        vector = s.base + 7;
      }
    } else {
      vector = m.base + n;
    }
    intack(m, n);
    // The slave's INT output falls during its INTA cycle, so a further slave
    // request is seen by the master as a new edge on IR2.
    drive(m, CASCADE, false);
    this.update();
    return vector & 0xff;
  }

  /** Drive IRQ n (0–15) high or low. */
  setIrq(n: number, level: boolean): void {
    if (n < 8) drive(this.master, n, level);
    else drive(this.slave, n - 8, level);
    this.update();
  }

  reset(): void {
    this.master = freshChip();
    this.slave = freshChip();
    this.intr = false;
  }

  save(): PicState {
    return { master: { ...this.master }, slave: { ...this.slave } };
  }

  restore(state: unknown): void {
    const s = state as PicState;
    this.master = { ...freshChip(), ...s.master };
    this.slave = { ...freshChip(), ...s.slave };
    this.update();
  }

  protected override read8(port: number): number {
    if (port === 0x4d0) return this.master.elcr;
    if (port === 0x4d1) return this.slave.elcr;
    const c = port < 0x80 ? this.master : this.slave;
    if (c.poll) {
      c.poll = false;
      return this.pollRead(c, c === this.master);
    }
    if (port & 1) return c.imr;
    return c.readIsr ? c.isr : c.irr;
  }

  protected override write8(port: number, v: number): void {
    if (port === 0x4d0 || port === 0x4d1) {
      const c = port === 0x4d0 ? this.master : this.slave;
      c.elcr = v & (port === 0x4d0 ? ELCR_MASK_MASTER : ELCR_MASK_SLAVE);
      // A level-triggered request is the line itself.
      const lm = levelMask(c);
      c.irr = (c.irr & ~lm) | (c.lines & lm);
      this.update();
      return;
    }
    const c = port < 0x80 ? this.master : this.slave;
    if ((port & 1) === 0) {
      if (v & 0x10) this.icw1(c, v);
      else if (v & 0x08) this.ocw3(c, v);
      else this.ocw2(c, v);
    } else {
      switch (c.initStep) {
        case 2:
          c.base = v & 0xf8;
          c.initStep = c.single ? (c.icw4Needed ? 4 : 0) : 3;
          break;
        case 3:
          c.icw3 = v;
          c.initStep = c.icw4Needed ? 4 : 0;
          break;
        case 4:
          c.autoEoi = (v & 0x02) !== 0;
          c.specialFullyNested = (v & 0x10) !== 0;
          c.initStep = 0;
          break;
        default:
          c.imr = v;
          break;
      }
    }
    this.update();
  }

  /**
   * ICW1 starts initialization: the IMR is cleared, IR7 gets the lowest
   * priority, special mask mode and poll are cleared, reads select IRR, the
   * ICW4 functions go to zero, and edge-triggered inputs need a fresh
   * low-to-high transition (their latched requests are dropped). The ISR is
   * cleared too, as QEMU does, so a re-initialized chip starts idle.
   */
  private icw1(c: ChipState, v: number): void {
    c.icw4Needed = (v & 0x01) !== 0;
    c.single = (v & 0x02) !== 0;
    c.ltim = (v & 0x08) !== 0;
    c.imr = 0;
    c.isr = 0;
    c.irr = c.lines & levelMask(c);
    c.lowest = 7;
    c.specialMask = false;
    c.readIsr = false;
    c.poll = false;
    c.autoEoi = false;
    c.rotateOnAutoEoi = false;
    c.specialFullyNested = false;
    c.initStep = 2;
  }

  /** OCW2: bits 7–5 are R, SL, EOI; bits 2–0 the level for the specific forms. */
  private ocw2(c: ChipState, v: number): void {
    const level = v & 7;
    switch (v >> 5) {
      case 0: // rotate in automatic EOI mode: clear
        c.rotateOnAutoEoi = false;
        break;
      case 4: // rotate in automatic EOI mode: set
        c.rotateOnAutoEoi = true;
        break;
      case 1: // non-specific EOI
      case 5: {
        // rotate on non-specific EOI
        const n = highestInService(c);
        if (n >= 0) {
          c.isr &= ~(1 << n);
          if (v >> 5 === 5) c.lowest = n;
        }
        break;
      }
      case 3: // specific EOI
        c.isr &= ~(1 << level);
        break;
      case 7: // rotate on specific EOI
        c.isr &= ~(1 << level);
        c.lowest = level;
        break;
      case 6: // set priority: `level` becomes the lowest
        c.lowest = level;
        break;
      default: // 2: no operation
        break;
    }
  }

  /** OCW3: ESMM/SMM (bits 6–5), P (bit 2), RR/RIS (bits 1–0). */
  private ocw3(c: ChipState, v: number): void {
    if (v & 0x40) c.specialMask = (v & 0x20) !== 0;
    if (v & 0x04) c.poll = true;
    if (v & 0x02) c.readIsr = (v & 0x01) !== 0;
  }

  /**
   * Poll mode: the read acts as an interrupt acknowledge and returns
   * I (bit 7, a request was pending) and the level (bits 2–0).
   */
  private pollRead(c: ChipState, master: boolean): number {
    const n = resolve(c, master);
    if (n < 0) return 0;
    intack(c, n);
    this.update();
    return 0x80 | n;
  }

  /** Propagate the slave's INT to the master's IR2 and recompute INTR. */
  private update(): void {
    const slaveOut = resolve(this.slave, false) >= 0;
    if (slaveOut !== ((this.master.lines & (1 << CASCADE)) !== 0)) drive(this.master, CASCADE, slaveOut);
    this.intr = resolve(this.master, true) >= 0;
  }
}
