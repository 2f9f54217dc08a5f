import assert from "node:assert/strict";
import { test } from "node:test";
import { Port92 } from "../../../src/hw/devices/port92.js";
import { TestBus } from "./harness.js";

function rig(a20?: boolean) {
  const a20Calls: boolean[] = [];
  let resets = 0;
  const port = new Port92({ setA20: (on) => a20Calls.push(on), requestReset: () => resets++, a20 });
  return { port, bus: new TestBus(port), a20Calls, resets: () => resets };
}

test("Linux's fast A20: read, set bit 1, clear bit 0, write back", () => {
  const { port, bus, a20Calls, resets } = rig();
  assert.equal(bus.in(0x92), 0x00);
  let v = bus.in(0x92);
  v = (v | 0x02) & ~0x01;
  bus.out(0x92, v);
  assert.deepEqual(a20Calls, [true]);
  assert.equal(port.a20, true);
  assert.equal(bus.in(0x92), 0x02);
  bus.out(0x92, 0x02);
  assert.deepEqual(a20Calls, [true], "no change, no call");
  assert.equal(resets(), 0);
});

test("bit 0 resets on its rising edge only; other bits read back", () => {
  const { bus, resets, a20Calls } = rig(true);
  assert.equal(bus.in(0x92), 0x02);
  bus.out(0x92, 0xc3);
  assert.equal(resets(), 1);
  bus.out(0x92, 0xc3);
  assert.equal(resets(), 1, "bit 0 already set");
  assert.equal(bus.in(0x92), 0xc3);
  bus.out(0x92, 0x00);
  bus.out(0x92, 0x01);
  assert.equal(resets(), 2);
  assert.deepEqual(a20Calls, [false]);
});

test("save/restore and reset", () => {
  const a = rig();
  a.bus.out(0x92, 0x42);
  const b = rig();
  b.port.restore(JSON.parse(JSON.stringify(a.port.save())));
  assert.equal(b.bus.in(0x92), 0x42);
  b.port.reset();
  assert.equal(b.bus.in(0x92), 0x00);
});
