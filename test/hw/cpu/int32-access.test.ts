/**
 * The processor's 32-bit accesses take offsets and values as unsigned or as
 * int32 alike (the threaded tier keeps a kernel's, above 2^31, signed):
 * the same 32 bits are the same access, with the same limit checks, and
 * `readI32` reads what `read32` reads, as int32.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RamBus } from "../../../src/hw/cpu/bus.js";
import { ATTR_DATA_RW, ATTR_DB, ATTR_G, Cpu, DS, ESP, SS } from "../../../src/hw/cpu/cpu.js";
import { CpuFault, Vec } from "../../../src/hw/cpu/fault.js";

function machine(base: number, limit: number): Cpu {
  const cpu = new Cpu(new RamBus(1 << 20));
  cpu.enterFlat32(0x1000);
  cpu.setSegCache(DS, 0x10, base, limit, ATTR_DATA_RW);
  return cpu;
}

test("an offset above 2^31 given as int32 reaches the same byte (DS based at 64 KiB: offset 0xffff8000 is linear 0x8000)", () => {
  const cpu = machine(0x10000, 0xffffffff);
  const ram = new DataView(cpu.bus.ram.buffer);
  cpu.write32(DS, 0xffff8000 | 0, 0x89abcdef | 0);
  assert.equal(ram.getUint32(0x8000, true), 0x89abcdef);
  assert.equal(cpu.readI32(DS, 0xffff8000 | 0), 0x89abcdef | 0);
  assert.equal(cpu.readI32(DS, 0xffff8000), 0x89abcdef | 0);
  assert.equal(cpu.read32(DS, 0xffff8000 | 0), 0x89abcdef);
  cpu.write32(DS, 0xffff8004, 0xfedcba98);
  assert.equal(ram.getUint32(0x8004, true), 0xfedcba98);
  assert.equal(cpu.readI32(DS, 0xffff8004 | 0), 0xfedcba98 | 0);
});

test("an int32 offset is checked against the limit as the unsigned offset it is", () => {
  const cpu = machine(0, 0xffff);
  for (const access of [() => cpu.readI32(DS, -4), () => cpu.write32(DS, -4, 1), () => cpu.read32(DS, -4)]) {
    assert.throws(access, (e: unknown) => e instanceof CpuFault && e.vector === Vec.GP);
  }
  assert.equal(cpu.readI32(DS, 0xfffc), 0);
});

test("an offset past 4 GiB is still past the limit (an access that wraps is not taken as one at 0)", () => {
  const cpu = machine(0, 0xffffffff);
  assert.throws(
    () => cpu.read32(DS, 0xfffffffe + 4),
    (e: unknown) => e instanceof CpuFault && e.vector === Vec.GP,
  );
});

test("PUSH with ESP at 0 stores at the top of the stack segment and wraps ESP", () => {
  const cpu = machine(0, 0xffffffff);
  cpu.setSegCache(SS, 0x10, 0x10000, 0xffffffff, ATTR_DATA_RW | ATTR_DB | ATTR_G);
  cpu.regs[ESP] = 0;
  cpu.push(0x12345678, 4);
  assert.equal(cpu.regs[ESP] >>> 0, 0xfffffffc);
  // SS base 64 KiB + 0xfffffffc wraps to linear 0xfffc.
  assert.equal(new DataView(cpu.bus.ram.buffer).getUint32(0xfffc, true), 0x12345678);
  assert.equal(cpu.pop(4), 0x12345678);
  assert.equal(cpu.regs[ESP], 0);
});
