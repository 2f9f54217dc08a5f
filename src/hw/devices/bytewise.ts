/**
 * ISA devices have 8-bit registers. A 16- or 32-bit IN/OUT to one of them
 * reaches the consecutive ports byte by byte, low byte first (as QEMU's
 * memory core splits an access wider than the device implements); bytes
 * that fall outside the device's ports read as an empty bus (0xFF).
 */
import type { AccessSize } from "../cpu/bus.js";
import type { Range } from "./device.js";

/** True when `port` lies in one of `ranges`. */
export function claims(ranges: readonly Range[], port: number): boolean {
  for (const r of ranges) if (port >= r.base && port < r.base + r.length) return true;
  return false;
}

/** Compose a wide read from byte reads of `port`, `port + 1`, ... */
export function readWide(ranges: readonly Range[], readByte: (port: number) => number, port: number, size: AccessSize): number {
  let v = 0;
  for (let k = 0; k < size; k++) {
    const p = (port + k) & 0xffff;
    v |= (claims(ranges, p) ? readByte(p) & 0xff : 0xff) << (8 * k);
  }
  return v >>> 0;
}

/** Split a wide write into byte writes of `port`, `port + 1`, ... (bytes outside the device are dropped). */
export function writeWide(
  ranges: readonly Range[],
  writeByte: (port: number, value: number) => void,
  port: number,
  size: AccessSize,
  value: number,
): void {
  for (let k = 0; k < size; k++) {
    const p = (port + k) & 0xffff;
    if (claims(ranges, p)) writeByte(p, (value >>> (8 * k)) & 0xff);
  }
}

/**
 * The port side of a device whose registers are bytes: subclasses handle one
 * port in `read8`/`write8`, and a 16- or 32-bit access is split over the
 * consecutive ports.
 */
export abstract class BytePorts {
  abstract readonly ports: readonly Range[];
  private readonly readByte = (port: number): number => this.read8(port);
  private readonly writeByte = (port: number, value: number): void => this.write8(port, value);

  protected abstract read8(port: number): number;
  /** `value` is 0..255. */
  protected abstract write8(port: number, value: number): void;

  ioRead(port: number, size: AccessSize): number {
    if (size === 1) return this.read8(port);
    return readWide(this.ports, this.readByte, port, size);
  }

  ioWrite(port: number, size: AccessSize, value: number): void {
    if (size === 1) this.write8(port, value & 0xff);
    else writeWide(this.ports, this.writeByte, port, size, value);
  }
}

/** Packed BCD of 0..99. */
export function toBcd(v: number): number {
  return ((v / 10) << 4) | (v % 10);
}

/** Value of a packed BCD byte (invalid digits count at face value, as in a plain adder). */
export function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 0xf);
}
