/**
 * The PC's buses: RAM with the 640 KiB–1 MiB hole, an I/O port space and
 * an MMIO space, each routed to the devices attached to it. Ranges may not
 * overlap (attaching a device whose range collides is a wiring error, found
 * at startup). Unclaimed ports and addresses read as all ones and ignore
 * writes, as an empty ISA bus does.
 */
import { allocateRam } from "../cpu/arena.js";
import type { AccessSize, CpuBus } from "../cpu/bus.js";
import type { Device, Range } from "../devices/device.js";

const ALL_ONES = [0, 0xff, 0xffff, 0, 0xffffffff];

interface MmioSlot {
  base: number;
  end: number; // exclusive
  device: Device;
  /** Cycles each access costs the processor (an on-chip device's latency). */
  cycles: number;
}

export class PcBus implements CpuBus {
  readonly ram: Uint8Array;
  readonly holeStart = 0xa0000;
  readonly holeEnd = 0x100000;
  romStart = 0;
  romEnd = 0;
  /** Port → index into `portDevices` + 1 (0: unclaimed). */
  private readonly portOwner = new Uint16Array(0x10000);
  private readonly portDevices: Device[] = [];
  private readonly mmio: MmioSlot[] = [];
  /** Accesses to unclaimed ports, for diagnostics. */
  unclaimedPortAccesses = 0;
  /** Charges an MMIO access's cost to the processor (the machine wires it to the cycle counter). */
  charge: (cycles: number) => void = () => {};

  constructor(ramBytes: number) {
    this.ram = allocateRam(ramBytes);
  }

  /** Attach a device's port and MMIO ranges; each MMIO access costs `mmioCycles`. */
  attach(device: Device, mmioCycles = 0): void {
    for (const r of device.ports ?? []) this.claimPorts(device, r);
    for (const r of device.mmio ?? []) this.claimMmio(device, r, mmioCycles);
  }

  private claimPorts(device: Device, r: Range): void {
    if (!device.ioRead && !device.ioWrite) throw new Error(`${device.name} claims ports but has no ioRead/ioWrite`);
    for (let p = r.base; p < r.base + r.length; p++) {
      const owner = this.portOwner[p];
      if (owner) throw new Error(`I/O port 0x${p.toString(16)} claimed by both ${this.portDevices[owner - 1].name} and ${device.name}`);
    }
    let index = this.portDevices.indexOf(device);
    if (index < 0) index = this.portDevices.push(device) - 1;
    this.portOwner.fill(index + 1, r.base, r.base + r.length);
  }

  private claimMmio(device: Device, r: Range, cycles: number): void {
    const base = r.base;
    const end = r.base + r.length;
    for (const s of this.mmio) {
      if (base < s.end && s.base < end)
        throw new Error(`MMIO range 0x${base.toString(16)}+0x${r.length.toString(16)} of ${device.name} overlaps ${s.device.name}`);
    }
    if (base < this.ram.length && !(base >= this.holeStart && end <= this.holeEnd)) {
      throw new Error(`MMIO range of ${device.name} at 0x${base.toString(16)} lies in RAM`);
    }
    if (base < this.romEnd && this.romStart < end) {
      throw new Error(`MMIO range of ${device.name} at 0x${base.toString(16)} overlaps the read-only copy in RAM`);
    }
    this.mmio.push({ base, end, device, cycles });
  }

  /**
   * Keep `bytes` in the RAM array at `base` (inside the hole), read-only:
   * the processor then reads and fetches them as memory, while writes still
   * go to the MMIO space. They must be what an MMIO read there returns.
   */
  keepReadOnly(base: number, bytes: Uint8Array): void {
    const end = base + bytes.length;
    if (base < this.holeStart || end > this.holeEnd || end > this.ram.length) {
      throw new Error(
        `a read-only copy at 0x${base.toString(16)}+0x${bytes.length.toString(16)} must lie in the hole, inside the RAM array`,
      );
    }
    this.ram.set(bytes, base);
    this.romStart = base;
    this.romEnd = end;
  }

  ioRead(port: number, size: AccessSize): number {
    const owner = this.portOwner[port];
    if (owner) {
      const d = this.portDevices[owner - 1];
      if (d.ioRead) return d.ioRead(port, size);
    }
    this.unclaimedPortAccesses++;
    return ALL_ONES[size];
  }

  ioWrite(port: number, size: AccessSize, value: number): void {
    const owner = this.portOwner[port];
    if (owner) {
      const d = this.portDevices[owner - 1];
      if (d.ioWrite) {
        d.ioWrite(port, size, value);
        return;
      }
    }
    this.unclaimedPortAccesses++;
  }

  private slot(addr: number): MmioSlot | undefined {
    for (const s of this.mmio) if (addr >= s.base && addr < s.end) return s;
    return undefined;
  }

  mmioRead(addr: number, size: AccessSize): number {
    const s = this.slot(addr);
    if (!s?.device.mmioRead) return ALL_ONES[size];
    if (s.cycles) this.charge(s.cycles);
    return s.device.mmioRead(addr, size);
  }

  mmioWrite(addr: number, size: AccessSize, value: number): void {
    const s = this.slot(addr);
    if (!s?.device.mmioWrite) return;
    if (s.cycles) this.charge(s.cycles);
    s.device.mmioWrite(addr, size, value);
  }
}

/**
 * A ROM: read-only bytes visible at one or more physical ranges (the PC
 * BIOS appears both just below 1 MiB and at the top of the 4 GiB space,
 * where the reset vector is). Writes are ignored.
 */
export class Rom implements Device {
  readonly name: string;
  readonly mmio: Range[];

  constructor(
    private readonly bytes: Uint8Array,
    bases: number[],
    name = "rom",
  ) {
    if (bytes.length === 0 || bytes.length & (bytes.length - 1)) {
      throw new Error(`${name} is ${bytes.length} bytes: a ROM image must be a power of two in size (e.g. 64 KiB)`);
    }
    this.name = name;
    this.mmio = bases.map((base) => ({ base, length: bytes.length }));
  }

  mmioRead(addr: number, size: AccessSize): number {
    const b = this.bytes;
    const n = b.length;
    // Every mapping is a mirror: the offset is the address modulo the size
    // (sizes are powers of two, and bases are aligned to them).
    const off = addr & (n - 1);
    if (size === 1) return b[off];
    if (size === 2) return b[off] | (b[(off + 1) & (n - 1)] << 8);
    return (b[off] | (b[(off + 1) & (n - 1)] << 8) | (b[(off + 2) & (n - 1)] << 16) | (b[(off + 3) & (n - 1)] << 24)) >>> 0;
  }

  mmioWrite(): void {}
}
