/**
 * What the processor needs from the machine around it: physical memory and
 * the I/O port space. RAM is handed over as a byte array so the processor can
 * reach it without a call; everything else goes through the bus methods.
 */

import { allocateRam } from "./arena.js";

export type AccessSize = 1 | 2 | 4;

export interface CpuBus {
  /** RAM from physical address 0; addresses past its end go to `mmio*`. */
  readonly ram: Uint8Array;
  /** Physical addresses in [holeStart, holeEnd) go to `mmio*` even below the end of RAM (the PC's 640K–1M hole). */
  readonly holeStart: number;
  readonly holeEnd: number;
  /**
   * A read-only range of the RAM array, inside the hole, holding a copy of
   * a ROM mapped there (empty when start = end): reads may take the bytes
   * from the array; writes still go to `mmio*` (the ROM ignores them).
   */
  readonly romStart?: number;
  readonly romEnd?: number;
  mmioRead(addr: number, size: AccessSize): number;
  mmioWrite(addr: number, size: AccessSize, value: number): void;
  ioRead(port: number, size: AccessSize): number;
  ioWrite(port: number, size: AccessSize, value: number): void;
}

/**
 * A bus of plain RAM and nothing else: reads past RAM return all ones,
 * writes are dropped, and I/O is delegated to optional handlers. Used by the
 * flat-binary runner and the conformance tests.
 */
export class RamBus implements CpuBus {
  readonly ram: Uint8Array;
  readonly holeStart = 0;
  readonly holeEnd = 0;
  ioReadHandler: (port: number, size: AccessSize) => number = (_p, size) => (size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff);
  ioWriteHandler: (port: number, size: AccessSize, value: number) => void = () => {};

  constructor(bytes: number) {
    this.ram = allocateRam(bytes);
  }
  mmioRead(_addr: number, size: AccessSize): number {
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }
  mmioWrite(): void {}
  ioRead(port: number, size: AccessSize): number {
    return this.ioReadHandler(port, size);
  }
  ioWrite(port: number, size: AccessSize, value: number): void {
    this.ioWriteHandler(port, size, value);
  }
}
