/**
 * The PC: RAM with the 640 KiB–1 MiB hole, an optional ROM at the reset
 * vector, the debug console (0xE9) and the debug-exit port (0xF4), on the
 * PC buses. The processor starts from its architectural reset state, so a
 * ROM image runs exactly as `qemu-system-i386 -M isapc -bios IMAGE` runs
 * it (no BIOS of anybody else's runs first).
 */
import type { AccessSize } from "../cpu/bus.js";
import { Cpu } from "../cpu/cpu.js";
import type { Device } from "../devices/device.js";
import { DEBUGCON_PORT, DebugConsole, type OutputSink } from "./debugcon.js";
import { DEBUG_EXIT_PORT, DebugExit } from "./debugexit.js";
import { PcBus, Rom } from "./pc-bus.js";

export interface PcConfig {
  ramBytes: number;
  /** A BIOS-style ROM (power-of-two size, at most 128 KiB), mapped below 1 MiB and below 4 GiB. */
  rom?: Uint8Array;
  /** Receives the debug console's output. */
  debugOutput: OutputSink;
}

export class Pc {
  readonly bus: PcBus;
  readonly cpu: Cpu;
  readonly console: DebugConsole;

  constructor(config: PcConfig) {
    this.bus = new PcBus(config.ramBytes);
    this.cpu = new Cpu(this.bus);
    this.console = new DebugConsole(config.debugOutput);
    const exit = new DebugExit(this.cpu);
    const con = this.console;
    this.bus.attach(
      portDevice(
        "debugcon",
        DEBUGCON_PORT,
        1,
        () => con.read(),
        (v) => con.write(v),
      ),
    );
    this.bus.attach(
      portDevice(
        "debug-exit",
        DEBUG_EXIT_PORT,
        4,
        () => 0xff,
        (v) => exit.write(v),
      ),
    );
    if (config.rom) {
      const rom = config.rom;
      if (rom.length > 0x20000) throw new Error(`ROM image is ${rom.length} bytes; at most 128 KiB fits below 1 MiB`);
      this.bus.attach(new Rom(rom, [0x100000 - rom.length, 0x100000000 - rom.length], "bios"));
    }
    this.cpu.reset();
  }

  attach(device: Device): void {
    this.bus.attach(device);
  }
}

/** A device that is one small port range with a read and a write function. */
function portDevice(name: string, base: number, length: number, read: () => number, write: (v: number) => void): Device {
  return {
    name,
    ports: [{ base, length }],
    ioRead: (_port: number, _size: AccessSize) => read(),
    ioWrite: (_port: number, _size: AccessSize, value: number) => write(value),
  };
}
