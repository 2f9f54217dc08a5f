/**
 * Three single-purpose ports with no state worth a file each.
 *
 * - Port 0x80, the POST code port: BIOSes write progress codes there and
 *   Linux writes to it as an I/O delay (`outb(al, 0x80)` in io_delay). Writes
 *   are accepted and remembered for debugging; reads return 0xFF, the empty
 *   ISA bus, as QEMU's PC does (some chipsets latch the last code instead).
 * - Port 0xE9, the Bochs/QEMU debug console: every byte written is output;
 *   a read returns 0xE9 so that a guest can detect the console. Wider
 *   writes output their low byte, as the port is one byte wide.
 * - Port 0xF4, QEMU's isa-debug-exit (iosize 4): a write of any width ends
 *   the run with the value written; reads return 0, as QEMU's do.
 */
import type { AccessSize } from "../cpu/bus.js";
import type { Device, Range } from "./device.js";

function ones(size: AccessSize): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
}

export class PostPort implements Device {
  readonly name = "post";
  readonly ports: readonly Range[] = [{ base: 0x80, length: 1 }];
  /** The last POST code written (0 before any). */
  last = 0;

  constructor(private readonly onPost: ((code: number) => void) | null = null) {}

  ioRead(_port: number, size: AccessSize): number {
    return ones(size);
  }

  ioWrite(_port: number, _size: AccessSize, value: number): void {
    this.last = value & 0xff;
    this.onPost?.(this.last);
  }

  save(): { last: number } {
    return { last: this.last };
  }

  restore(state: unknown): void {
    this.last = (state as { last: number }).last;
  }
}

export class DebugConsolePort implements Device {
  readonly name = "debugcon";
  readonly ports: readonly Range[] = [{ base: 0xe9, length: 1 }];

  constructor(private readonly output: (byte: number) => void) {}

  ioRead(_port: number, size: AccessSize): number {
    return size === 1 ? 0xe9 : ((ones(size) & ~0xff) | 0xe9) >>> 0;
  }

  ioWrite(_port: number, _size: AccessSize, value: number): void {
    this.output(value & 0xff);
  }
}

export class DebugExitPort implements Device {
  readonly name = "debug-exit";
  readonly ports: readonly Range[] = [{ base: 0xf4, length: 4 }];

  /** `exit` receives the whole value written (byte, word or dword). */
  constructor(private readonly exit: (value: number) => void) {}

  ioRead(): number {
    return 0;
  }

  ioWrite(_port: number, _size: AccessSize, value: number): void {
    this.exit(value >>> 0);
  }
}
