import assert from "node:assert/strict";
import { test } from "node:test";
import { Pc } from "../../../src/hw/machine/pc.js";
import { Rom } from "../../../src/hw/machine/pc-bus.js";

const MiB = 1 << 20;

test("with no BIOS, 0xc0000-0xfffff reads as all ones, as memory, and ignores writes", () => {
  const pc = new Pc({ ramBytes: 2 * MiB, debugOutput: () => {} });
  const cpu = pc.cpu;
  assert.equal(cpu.readPhys32(0xf0000), 0xffffffff);
  assert.equal(cpu.readPhys8(0xfffff), 0xff);
  assert.equal(cpu.readPhys16(0xc0000), 0xffff);
  // Read as memory: compiled code may take it without leaving its region.
  assert.ok(cpu.isReadableRam(0xf0000, 0x1000));
  assert.ok(!cpu.isRam(0xf0000, 1));
  cpu.writePhys32(0xf0000, 0x12345678);
  assert.equal(cpu.readPhys32(0xf0000), 0xffffffff);
  // Below 0xc0000 (VGA's window) the hole still goes to the MMIO space.
  assert.ok(!cpu.isReadableRam(0xbf000, 1));
  // RAM under 640 KiB and above 1 MiB is RAM.
  cpu.writePhys32(0x9f000, 0xcafe);
  assert.equal(cpu.readPhys32(0x9f000), 0xcafe);
});

test("a device whose MMIO range overlaps the read-only copy is a wiring error", () => {
  const pc = new Pc({ ramBytes: 2 * MiB, debugOutput: () => {} });
  assert.throws(() => pc.bus.attach(new Rom(new Uint8Array(0x1000), [0xe0000], "option rom")), /overlaps the read-only copy/);
  // VGA's window is free.
  pc.bus.attach(new Rom(new Uint8Array(0x1000), [0xa0000], "below"));
});

test("a BIOS ROM's bytes are what the processor reads below 1 MiB", () => {
  const rom = new Uint8Array(0x10000).map((_, k) => k & 0xff);
  const pc = new Pc({ ramBytes: 2 * MiB, debugOutput: () => {}, rom });
  assert.equal(pc.cpu.readPhys32(0xf0010), 0x13121110);
  assert.ok(pc.cpu.isReadableRam(0xf0000, 0x10000));
  // Below the ROM, nothing answers.
  assert.equal(pc.cpu.readPhys8(0xeffff), 0xff);
  assert.ok(!pc.cpu.isReadableRam(0xeffff, 1));
});
