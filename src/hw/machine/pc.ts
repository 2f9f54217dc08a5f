/**
 * The PC: RAM with the 640 KiB–1 MiB hole, an optional ROM at the reset
 * vector, the debug console (0xE9) and debug-exit port (0xF4), and — for an
 * operating system — the ISA platform of `qemu-system-i386 -M isapc`: dual
 * 8259 PIC, 8254 PIT, MC146818 RTC, 16550A COM1, i8042, port 0x92, port
 * 0x80 and, when asked for, a local APIC. No PCI, no ACPI, no I/O APIC.
 *
 * With only a ROM, the processor starts from its architectural reset state,
 * so a ROM image runs exactly as `qemu-system-i386 -M isapc -bios IMAGE`
 * runs it (no BIOS of anybody else's runs first).
 *
 * Devices run on guest time: `clock.now()` is the processor's cycle count,
 * and `tick()` brings every timed device up to it.
 */

import type { CostProfile } from "../cost/profile.js";
import { Cpu } from "../cpu/cpu.js";
import type { InterruptSource } from "../cpu/interpreter.js";
import { LocalApic } from "../devices/apic.js";
import type { Clock, Device } from "../devices/device.js";
import { I8042 } from "../devices/i8042.js";
import { DebugConsolePort, DebugExitPort, PostPort } from "../devices/misc-ports.js";
import { Pic } from "../devices/pic.js";
import { Pit } from "../devices/pit.js";
import { Port92 } from "../devices/port92.js";
import { Rtc } from "../devices/rtc.js";
import { Uart } from "../devices/uart.js";
import { DebugConsole, type OutputSink } from "./debugcon.js";
import { DebugExit } from "./debugexit.js";
import { PcBus, Rom } from "./pc-bus.js";

/** Where the option ROMs and the BIOS would be, below 1 MiB. */
const OPEN_BUS_START = 0xc0000;

export interface IsaConfig {
  /** COM1's transmitted bytes. */
  serialOutput: (byte: number) => void;
  /** Wall-clock time at power-on for the RTC (seconds since the epoch, or a Date). */
  rtcStart: number | Date;
  /** Attach a local APIC (and report it in CPUID). */
  apic: boolean;
}

export interface PcConfig {
  ramBytes: number;
  /** A BIOS-style ROM (power-of-two size, at most 128 KiB), mapped below 1 MiB and below 4 GiB. */
  rom?: Uint8Array;
  /** Receives the debug console's output. */
  debugOutput: OutputSink;
  /** The ISA platform devices, for operating systems. */
  isa?: IsaConfig;
  /** What instructions and events cost (default: the paper's Pentium 4). */
  profile?: CostProfile;
  /** Processor clock in Hz for device timing (default: the profile's). */
  hz?: number;
}

export class Pc {
  readonly bus: PcBus;
  readonly cpu: Cpu;
  readonly console: DebugConsole;
  readonly clock: Clock;
  /** What interrupts the processor (the APIC, else the PIC), or null with no ISA platform. */
  readonly interrupts: InterruptSource | null = null;
  readonly pic: Pic | null = null;
  readonly com1: Uart | null = null;
  /** Devices with a notion of time, ticked by `tick`. */
  private readonly timed: Device[] = [];
  /** Set when the guest asked for a reset (i8042 pulse, port 0x92). */
  resetRequested = false;

  constructor(config: PcConfig) {
    this.bus = new PcBus(config.ramBytes);
    const cpu = new Cpu(this.bus);
    this.cpu = cpu;
    if (config.profile) cpu.cost = config.profile;
    this.bus.charge = (cycles) => {
      cpu.cycles += cycles;
    };
    const hz = config.hz ?? cpu.cost.hz;
    this.clock = { now: () => cpu.cycles, hz };
    this.console = new DebugConsole(config.debugOutput);
    const exit = new DebugExit(cpu);
    const con = this.console;
    this.bus.attach(new DebugConsolePort((b) => con.write(b)));
    this.bus.attach(new DebugExitPort((v) => exit.write(v)));
    if (config.rom) {
      const rom = config.rom;
      if (rom.length > 0x20000) throw new Error(`ROM image is ${rom.length} bytes; at most 128 KiB fits below 1 MiB`);
      this.bus.attach(new Rom(rom, [0x100000 - rom.length, 0x100000000 - rom.length], "bios"));
      // The copy below 1 MiB is also kept in the RAM array, read-only, so
      // that the processor can fetch and read it as memory (and compile it).
      if (this.bus.ram.length >= 0x100000) this.bus.keepReadOnly(0x100000 - rom.length, rom);
    } else if (this.bus.ram.length >= 0x100000) {
      // No BIOS: nothing answers at 0xc0000-0xfffff, which reads as all
      // ones. Kept as memory too, because Linux scans it (DMI, the MP
      // table: 86,000 reads while booting), and compiled code leaves its
      // region for every MMIO read.
      this.bus.keepReadOnly(OPEN_BUS_START, new Uint8Array(0x100000 - OPEN_BUS_START).fill(0xff));
    }
    if (config.isa) {
      const isa = config.isa;
      const pic = new Pic();
      const requestReset = () => {
        this.resetRequested = true;
        cpu.stopRequest = { kind: "stop", status: 0, why: "the guest reset the machine" };
      };
      const pit = new Pit(this.clock, pic.irq(0));
      const rtc = new Rtc(this.clock, pic.irq(8), { start: isa.rtcStart, memoryBytes: config.ramBytes });
      const com1 = new Uart(0x3f8, pic.irq(4), isa.serialOutput, this.clock);
      const kbd = new I8042(pic.irq(1), pic.irq(12), { requestReset });
      const devices: Device[] = [pic, pit, rtc, com1, kbd, new Port92({ requestReset }), new PostPort()];
      for (const d of devices) this.bus.attach(d);
      this.pic = pic;
      this.com1 = com1;
      this.timed.push(pit, rtc, com1);
      this.interrupts = pic;
      cpu.ioCycles = cpu.cost.events.ioOffChip;
      if (isa.apic) {
        const apic = new LocalApic(this.clock, { pic });
        this.bus.attach(apic, cpu.cost.events.ioOnChip);
        this.timed.push(apic);
        this.interrupts = apic;
        cpu.cpuidApic = true;
      }
    }
    cpu.reset();
  }

  attach(device: Device): void {
    this.bus.attach(device);
  }

  /** Bring every timed device up to the processor's time; returns the cycle count of the next device event (Infinity: none). */
  tick(): number {
    const now = this.cpu.cycles;
    let next = Number.POSITIVE_INFINITY;
    for (const d of this.timed) {
      const t = d.tick?.(now) ?? Number.POSITIVE_INFINITY;
      if (t < next) next = t;
    }
    return next;
  }
}
