/**
 * System Control Port A at 0x92 (the PS/2 "fast A20 and reset" port of
 * later chipsets): bit 1 gates A20, a 0→1 transition of bit 0 resets the
 * processor. The other bits (6–7 the disk activity LED, 3 the CMOS password
 * lock) are kept as written and do nothing. A read returns the last value
 * written, bit 0 included, as QEMU's port 0x92 does; Linux's A20 code reads
 * the port, sets bit 1, clears bit 0 and writes it back.
 */
import type { AccessSize } from "../cpu/bus.js";
import type { Device, Range } from "./device.js";

export interface Port92Options {
  /** Called when bit 1 changes. */
  readonly setA20?: (enabled: boolean) => void;
  /** Called when bit 0 goes from 0 to 1. */
  readonly requestReset?: () => void;
  /** Bit 1 at power-on; default disabled (the keyboard controller's gate is the usual one). */
  readonly a20?: boolean;
}

export interface Port92State {
  value: number;
}

export class Port92 implements Device {
  readonly name = "port92";
  readonly ports: readonly Range[] = [{ base: 0x92, length: 1 }];
  private value = 0;
  private readonly setA20: (enabled: boolean) => void;
  private readonly requestReset: () => void;
  private readonly a20AtReset: boolean;

  constructor(options: Port92Options = {}) {
    this.setA20 = options.setA20 ?? (() => {});
    this.requestReset = options.requestReset ?? (() => {});
    this.a20AtReset = options.a20 ?? false;
    this.reset();
  }

  /** The fast A20 gate (bit 1). */
  get a20(): boolean {
    return (this.value & 0x02) !== 0;
  }

  ioRead(_port: number, size: AccessSize): number {
    // Wider reads reach ports 0x93.. that nothing decodes.
    return size === 1 ? this.value : (this.value | (size === 2 ? 0xff00 : 0xffffff00)) >>> 0;
  }

  ioWrite(_port: number, _size: AccessSize, value: number): void {
    const old = this.value;
    const v = value & 0xff;
    this.value = v;
    if ((old ^ v) & 0x02) this.setA20((v & 0x02) !== 0);
    if (v & 0x01 && !(old & 0x01)) this.requestReset();
  }

  reset(): void {
    this.value = this.a20AtReset ? 0x02 : 0x00;
  }

  save(): Port92State {
    return { value: this.value };
  }

  restore(state: unknown): void {
    this.value = (state as Port92State).value;
  }
}
