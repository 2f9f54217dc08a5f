import assert from "node:assert/strict";
import { test } from "node:test";
import { DebugConsolePort, DebugExitPort, PostPort } from "../../../src/hw/devices/misc-ports.js";
import { TestBus } from "./harness.js";

test("port 0x80 takes writes (io_delay, POST codes) and reads as the empty bus", () => {
  const codes: number[] = [];
  const post = new PostPort((c) => codes.push(c));
  const bus = new TestBus(post);
  bus.out(0x80, 0x12);
  bus.out(0x80, 0x3455, 2);
  assert.deepEqual(codes, [0x12, 0x55]);
  assert.equal(post.last, 0x55);
  assert.equal(bus.in(0x80), 0xff);
  assert.equal(bus.in(0x80, 2), 0xffff);
  const copy = new PostPort();
  copy.restore(JSON.parse(JSON.stringify(post.save())));
  assert.equal(copy.last, 0x55);
});

test("debug console 0xE9: bytes out, low byte of wider writes, reads 0xE9", () => {
  const out: number[] = [];
  const bus = new TestBus(new DebugConsolePort((b) => out.push(b)));
  bus.out(0xe9, 0x48);
  bus.out(0xe9, 0x1169, 2);
  bus.out(0xe9, 0x12345621, 4);
  assert.deepEqual(out, [0x48, 0x69, 0x21]);
  assert.equal(bus.in(0xe9), 0xe9);
  assert.equal(bus.in(0xe9, 2), 0xffe9);
  assert.equal(bus.in(0xe9, 4), 0xffffffe9);
});

test("debug exit 0xF4: the whole value written, at any of its four ports' widths; reads 0", () => {
  const values: number[] = [];
  const bus = new TestBus(new DebugExitPort((v) => values.push(v)));
  bus.out(0xf4, 0x31);
  bus.out(0xf4, 0xdeadbeef, 4);
  assert.deepEqual(values, [0x31, 0xdeadbeef]);
  assert.equal(bus.in(0xf4), 0);
  assert.equal(bus.in(0xf7), 0, "iosize 4: 0xF4-0xF7");
  assert.equal(bus.in(0xf8), 0xff, "not ours");
});
