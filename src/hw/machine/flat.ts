/**
 * The flat-binary machine: RAM from physical address 0, a processor, and the
 * two ports bare-metal test kernels use to talk to the outside world (the
 * debug console at 0xE9 and the debug exit at 0xF4). There is no BIOS, no
 * interrupt controller and no timer yet, so nothing ever raises an external
 * interrupt; other I/O ports read as all ones and ignore writes, as an empty
 * ISA bus does. Later machines add the PC's devices on the same bus.
 */
import { type AccessSize, RamBus } from "../cpu/bus.js";
import { Cpu, ESP } from "../cpu/cpu.js";
import { DEBUGCON_PORT, DebugConsole, type OutputSink } from "./debugcon.js";
import { DEBUG_EXIT_PORT, DebugExit } from "./debugexit.js";

export const MIB = 1024 * 1024;

export interface FlatMachineConfig {
  /** RAM size in bytes. */
  readonly ramBytes: number;
  /** Receives the debug console's output. */
  readonly output: OutputSink;
}

export class FlatMachine {
  readonly bus: RamBus;
  readonly cpu: Cpu;
  readonly console: DebugConsole;
  readonly debugExit: DebugExit;

  constructor(config: FlatMachineConfig) {
    this.bus = new RamBus(config.ramBytes);
    this.cpu = new Cpu(this.bus);
    this.console = new DebugConsole(config.output);
    this.debugExit = new DebugExit(this.cpu);
    this.bus.ioWriteHandler = (port, size, value) => this.ioWrite(port, size, value);
    this.bus.ioReadHandler = (port, size) => this.ioRead(port, size);
  }

  /** Copy `image` into RAM at physical address `addr` (the caller checked that it fits). */
  load(image: Uint8Array, addr: number): void {
    if (addr + image.length > this.bus.ram.length) throw new RangeError("image does not fit in RAM");
    this.bus.ram.set(image, addr);
  }

  /**
   * Start in flat 32-bit protected mode at `entry`, ring 0, paging and
   * interrupts off, ESP = `stack`. GDTR and IDTR have limit 0: as after a
   * multiboot loader, the guest must load its own tables before it reloads a
   * segment register or takes an exception (one with no IDT ends in a triple
   * fault).
   */
  startFlat32(entry: number, stack: number): void {
    const cpu = this.cpu;
    cpu.reset();
    cpu.enterFlat32(entry);
    cpu.gdtBase = 0;
    cpu.gdtLimit = 0;
    cpu.idtBase = 0;
    cpu.idtLimit = 0;
    cpu.regs[ESP] = stack;
  }

  /**
   * Start in real mode at 0000:`entry` with every segment 0 and SP = `stack`,
   * interrupts off. IDTR keeps its power-on value (base 0), so the IVT is
   * the first KiB of RAM, all zero as no BIOS has filled it.
   */
  startReal16(entry: number, stack: number): void {
    const cpu = this.cpu;
    cpu.reset();
    cpu.enterReal16(0, entry);
    cpu.regs[ESP] = stack & 0xffff;
  }

  private ioWrite(port: number, _size: AccessSize, value: number): void {
    if (port === DEBUGCON_PORT) this.console.write(value & 0xff);
    else if (port === DEBUG_EXIT_PORT) this.debugExit.write(value);
  }

  private ioRead(port: number, size: AccessSize): number {
    if (port === DEBUGCON_PORT) return this.console.read();
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }
}
