import assert from "node:assert/strict";
import { test } from "node:test";
import { CS, DS, ESP, type ExitReason, SS } from "../../../src/hw/cpu/cpu.js";
import { FlatMachine } from "../../../src/hw/machine/flat.js";

function machine(): { m: FlatMachine; out: number[] } {
  const out: number[] = [];
  const m = new FlatMachine({ ramBytes: 1 << 20, output: (b) => out.push(...b) });
  return { m, out };
}

test("bytes written to port 0xE9 reach the sink, low byte only, when flushed", () => {
  const { m, out } = machine();
  m.bus.ioWrite(0xe9, 1, 0x48);
  m.bus.ioWrite(0xe9, 2, 0x1169);
  m.bus.ioWrite(0xe9, 4, 0x12345621);
  assert.deepEqual(out, []); // buffered until the monitor flushes
  m.console.flush();
  assert.deepEqual(out, [0x48, 0x69, 0x21]);
});

test("the console flushes by itself when its buffer fills", () => {
  const { m, out } = machine();
  for (let k = 0; k < 5000; k++) m.bus.ioWrite(0xe9, 1, k & 0xff);
  assert.equal(out.length, 4096);
  m.console.flush();
  assert.equal(out.length, 5000);
  assert.equal(out[4999], 4999 & 0xff);
});

test("port 0xE9 reads back 0xE9, as Bochs's and QEMU's debug console", () => {
  const { m } = machine();
  assert.equal(m.bus.ioRead(0xe9, 1), 0xe9);
});

test("a write of v to port 0xF4 requests a stop carrying v", () => {
  const { m } = machine();
  assert.equal(m.cpu.stopRequest, null);
  m.bus.ioWrite(0xf4, 4, 0x12345678);
  const req = m.cpu.stopRequest as ExitReason | null;
  assert.ok(req?.kind === "stop");
  assert.equal(req.status, 0x12345678);
});

test("unassigned ports read as all ones and ignore writes", () => {
  const { m } = machine();
  m.bus.ioWrite(0x80, 1, 0x12);
  assert.equal(m.bus.ioRead(0x80, 1), 0xff);
  assert.equal(m.bus.ioRead(0x3f8, 2), 0xffff);
  assert.equal(m.bus.ioRead(0xcf8, 4), 0xffffffff);
  assert.equal(m.cpu.stopRequest, null);
});

test("startFlat32: ring 0 flat segments, ESP below the image, no GDT or IDT", () => {
  const { m } = machine();
  m.load(new Uint8Array([0x90, 0xf4]), 0x2000);
  m.startFlat32(0x2000, 0x2000);
  const cpu = m.cpu;
  assert.equal(cpu.realMode, false);
  assert.equal(cpu.eip, 0x2000);
  assert.equal(cpu.regs[ESP], 0x2000);
  assert.equal(cpu.csBig, true);
  assert.equal(cpu.segBase[CS], 0);
  assert.equal(cpu.segLimit[DS], 0xffffffff);
  assert.equal(cpu.segSel[SS], 0x10);
  assert.equal(cpu.gdtLimit, 0);
  assert.equal(cpu.idtLimit, 0);
  assert.equal(cpu.interruptsEnabled, false);
  assert.deepEqual([...m.bus.ram.subarray(0x2000, 0x2002)], [0x90, 0xf4]);
});

test("startReal16: 0000:entry with every segment 0", () => {
  const { m } = machine();
  m.startReal16(0x7c00, 0x7c00);
  const cpu = m.cpu;
  assert.equal(cpu.realMode, true);
  assert.equal(cpu.segSel[CS], 0);
  assert.equal(cpu.segBase[CS], 0);
  assert.equal(cpu.eip, 0x7c00);
  assert.equal(cpu.csBig, false);
  assert.equal(cpu.regs[ESP], 0x7c00);
  assert.equal(cpu.idtBase, 0);
});

test("load refuses an image that would run past the end of RAM", () => {
  const { m } = machine();
  assert.throws(() => m.load(new Uint8Array(16), (1 << 20) - 8), RangeError);
});
