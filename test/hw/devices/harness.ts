/**
 * Test scaffolding for the devices: a clock whose time the test sets, an IRQ
 * line that records what the device drove onto it, and a bus that routes
 * port and MMIO accesses to devices by the ranges they claim (the machine's
 * real buses come later; this one only has to be obviously right).
 */
import type { AccessSize } from "../../../src/hw/cpu/bus.js";
import type { Clock, Device, IrqLine, Range } from "../../../src/hw/devices/device.js";

/** Guest time under the test's control. */
export class FakeClock implements Clock {
  t = 0;
  constructor(readonly hz: number) {}
  now(): number {
    return this.t;
  }
  /** Advance by whole seconds (may be fractional) of guest time, rounded to cycles. */
  advanceSeconds(s: number): void {
    this.t += Math.round(s * this.hz);
  }
}

/** An IRQ line that remembers its level and counts rising edges. */
export class RecordingLine implements IrqLine {
  level = false;
  rises = 0;
  falls = 0;
  set(level: boolean): void {
    if (level && !this.level) this.rises++;
    if (!level && this.level) this.falls++;
    this.level = level;
  }
}

function inside(r: readonly Range[] | undefined, a: number): boolean {
  return !!r?.some((x) => a >= x.base && a < x.base + x.length);
}

/** Routes accesses to whichever device claims the port or address; unclaimed reads float high. */
export class TestBus {
  readonly devices: Device[];
  constructor(...devices: Device[]) {
    this.devices = devices;
  }
  private port(p: number): Device | undefined {
    return this.devices.find((d) => inside(d.ports, p));
  }
  private mem(a: number): Device | undefined {
    return this.devices.find((d) => inside(d.mmio, a));
  }
  in(port: number, size: AccessSize = 1): number {
    const d = this.port(port);
    if (!d?.ioRead) return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
    return d.ioRead(port, size);
  }
  out(port: number, value: number, size: AccessSize = 1): void {
    this.port(port)?.ioWrite?.(port, size, value);
  }
  /** Several byte writes to one port, as a driver's init sequence does. */
  outs(port: number, ...values: number[]): void {
    for (const v of values) this.out(port, v);
  }
  read(addr: number, size: AccessSize = 4): number {
    const d = this.mem(addr);
    if (!d?.mmioRead) return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
    return d.mmioRead(addr, size);
  }
  write(addr: number, value: number, size: AccessSize = 4): void {
    this.mem(addr)?.mmioWrite?.(addr, size, value);
  }
}
