import assert from "node:assert/strict";
import { test } from "node:test";
import { PIT_HZ, Pit } from "../../../src/hw/devices/pit.js";
import { FakeClock, RecordingLine, TestBus } from "./harness.js";

/** A CPU at exactly 4 cycles per PIT clock, so tick k is cycle 4k. */
function rig(hz = 4 * PIT_HZ): { pit: Pit; bus: TestBus; clock: FakeClock; irq: RecordingLine; at: (tick: number) => void } {
  const clock = new FakeClock(hz);
  const irq = new RecordingLine();
  const pit = new Pit(clock, irq);
  const bus = new TestBus(pit);
  return { pit, bus, clock, irq, at: (tick) => (clock.t = tick * 4) };
}

/** Counter latch command, then the two bytes (lo/hi access). */
function latched(bus: TestBus, ch: number): number {
  bus.out(0x43, ch << 6);
  const lo = bus.in(0x40 + ch);
  return lo | (bus.in(0x40 + ch) << 8);
}

/** Read-back of channel ch's status byte alone. */
function status(bus: TestBus, ch: number): number {
  bus.out(0x43, 0xe0 | (2 << ch));
  return bus.in(0x40 + ch);
}

test("mode 2: count N, N-1, ..., 1 then reload; OUT low only while the count is 1", () => {
  const { bus, at } = rig();
  at(100);
  bus.out(0x43, 0x34); // ch0, lo/hi, mode 2, binary
  bus.outs(0x40, 5, 0);
  const counts: number[] = [];
  const outs: number[] = [];
  for (let t = 101; t <= 112; t++) {
    at(t);
    counts.push(latched(bus, 0));
    outs.push(status(bus, 0) >> 7);
  }
  assert.deepEqual(counts, [5, 4, 3, 2, 1, 5, 4, 3, 2, 1, 5, 4]);
  assert.deepEqual(outs, [1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1]);
});

test("the latch holds its value while time passes and a second latch is ignored until it is read", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x43, 0x34);
  bus.outs(0x40, 0x00, 0x10); // 0x1000
  at(0x11); // loaded at tick 1, 0x10 clocks later
  bus.out(0x43, 0x00);
  at(0x100);
  bus.out(0x43, 0x00); // ignored: the first latch is unread
  assert.equal(bus.in(0x40), 0xf0);
  at(0x200);
  assert.equal(bus.in(0x40), 0x0f);
  // Now unlatched: live value 0x1000 - 0x1ff = 0x0e01.
  assert.equal(bus.in(0x40) | (bus.in(0x40) << 8), 0x0e01);
});

test("read-back: status 0x70 before a count, NULL COUNT until the count is loaded, OUT high after terminal count", () => {
  const { bus, at } = rig();
  at(1000);
  bus.out(0x61, 0x01); // gate 2 high
  bus.out(0x43, 0xb0); // ch2, lo/hi, mode 0, binary
  assert.equal(status(bus, 2), 0x70, "OUT low, null count, RW=11, mode 0");
  bus.outs(0x42, 10, 0);
  assert.equal(status(bus, 2), 0x70, "count written, not yet loaded");
  at(1001);
  assert.equal(status(bus, 2), 0x30, "loaded on the next clock");
  at(1010);
  assert.equal(status(bus, 2), 0x30, "N clocks after the write: still low");
  at(1011);
  assert.equal(status(bus, 2), 0xb0, "N + 1 clocks after the write: OUT high");
});

test("read-back latches count and status of several channels at once; status is read first", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x43, 0x34);
  bus.outs(0x40, 100, 0); // ch0 mode 2, N = 100
  bus.out(0x61, 0x01);
  bus.out(0x43, 0xb6); // ch2 mode 3
  bus.outs(0x42, 50, 0);
  at(11);
  bus.out(0x43, 0xca); // 11 0 0 101 0: count and status of ch0 and ch2
  at(40); // time passes: the latched values do not change
  assert.equal(bus.in(0x40), 0xb4, "ch0 status: OUT high, RW 11, mode 2");
  assert.equal(bus.in(0x40) | (bus.in(0x40) << 8), 90);
  assert.equal(bus.in(0x42), 0xb6, "ch2 status: OUT high, RW 11, mode 3");
  assert.equal(bus.in(0x42) | (bus.in(0x42) << 8), 30, "mode 3 counts by two: 50 - 2*10");
  // Status latched alone does not disturb the live count reading.
  bus.out(0x43, 0xe2);
  assert.equal(bus.in(0x40), 0xb4);
  assert.equal(bus.in(0x40) | (bus.in(0x40) << 8), 61);
});

test("mode 3, odd count 5: N-1 loaded, steps of 2, OUT high 3 clocks and low 2", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x43, 0x36);
  bus.outs(0x40, 5, 0);
  const counts: number[] = [];
  const outs: number[] = [];
  for (let t = 1; t <= 11; t++) {
    at(t);
    counts.push(latched(bus, 0));
    outs.push(status(bus, 0) >> 7);
  }
  assert.deepEqual(counts, [4, 2, 0, 4, 2, 4, 2, 0, 4, 2, 4]);
  assert.deepEqual(outs, [1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1]);
});

test("mode 3, even count 6: steps of 2, OUT high 3 clocks and low 3", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x43, 0x36);
  bus.outs(0x40, 6, 0);
  const counts: number[] = [];
  const outs: number[] = [];
  for (let t = 1; t <= 8; t++) {
    at(t);
    counts.push(latched(bus, 0));
    outs.push(status(bus, 0) >> 7);
  }
  assert.deepEqual(counts, [6, 4, 2, 6, 4, 2, 6, 4]);
  assert.deepEqual(outs, [1, 1, 1, 0, 0, 0, 1, 1]);
});

test("mode 0 IRQ 0 timing in cycles on a 3 GHz CPU: the edge comes N + 1 PIT clocks after the write", () => {
  const hz = 3_000_000_000;
  const { pit, bus, clock, irq } = rig(hz);
  const c0 = 123_456_789;
  clock.t = c0;
  bus.out(0x43, 0x30); // ch0, lo/hi, mode 0 (Linux's oneshot clockevent)
  bus.outs(0x40, 0xe8, 0x03); // N = 1000
  assert.equal(irq.level, false, "mode 0 drives OUT low");
  const r0 = irq.rises;
  // Independent computation with BigInt: tick at the write, then the cycle of tick T0 + N + 1.
  const T0 = (BigInt(c0) * BigInt(PIT_HZ)) / BigInt(hz);
  const edgeTick = T0 + 1001n;
  const num = edgeTick * BigInt(hz);
  const edgeCycle = Number(num / BigInt(PIT_HZ) + (num % BigInt(PIT_HZ) ? 1n : 0n));
  assert.equal(pit.tick(c0), edgeCycle);
  clock.t = edgeCycle - 1;
  assert.equal(pit.tick(edgeCycle - 1), edgeCycle);
  assert.equal(irq.rises, r0);
  clock.t = edgeCycle;
  assert.equal(pit.tick(edgeCycle), Number.POSITIVE_INFINITY, "OUT stays high until reprogrammed");
  assert.equal(irq.rises, r0 + 1);
  assert.equal(irq.level, true);
  // About 838 µs: 1001 / 1193182 s.
  assert.ok(Math.abs((edgeCycle - c0) / hz - 1001 / PIT_HZ) < 1 / PIT_HZ);
});

test("mode 2 at Linux's LATCH for HZ=250 (4773) gives 249 IRQ 0 edges in the first second", () => {
  const hz = 1_000_000_000;
  const { pit, bus, clock, irq } = rig(hz);
  bus.out(0x43, 0x34);
  bus.outs(0x40, 4773 & 0xff, 4773 >> 8);
  const baseRises = irq.rises;
  let next = pit.tick(0);
  let calls = 0;
  while (next <= hz - 1) {
    clock.t = next;
    next = pit.tick(next);
    calls++;
  }
  clock.t = hz - 1;
  pit.tick(hz - 1);
  // Loaded at tick 1; edges at 1 + 4773j <= 1193181 (the last tick before 1 s): j = 1..249.
  assert.equal(irq.rises - baseRises, 249);
  assert.equal(calls, 2 * 249, "tick is asked for at each fall and each rise of OUT");
});

test("skipping far ahead still delivers one IRQ 0 edge", () => {
  const { pit, bus, irq, at } = rig();
  at(0);
  bus.out(0x43, 0x34);
  bus.outs(0x40, 10, 0);
  const before = irq.rises;
  at(10_010); // lands inside OUT's one-clock low: the pending edge still comes through
  pit.tick(10_010 * 4);
  assert.equal(irq.rises, before + 1);
});

test("BCD mode 2: count 0x0100 reads 0x0099 one clock after loading; count 0 is 10000", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x43, 0x35); // mode 2, BCD
  bus.outs(0x40, 0x00, 0x01);
  at(1);
  assert.equal(latched(bus, 0), 0x0100);
  at(2);
  assert.equal(latched(bus, 0), 0x0099);
  at(101);
  assert.equal(latched(bus, 0), 0x0100, "period 100");
  bus.out(0x43, 0x31); // mode 0 BCD
  bus.outs(0x40, 0, 0);
  at(102);
  assert.equal(latched(bus, 0), 0x0000);
  at(103);
  assert.equal(latched(bus, 0), 0x9999);
});

test("LSB-only and MSB-only access: one byte written, the other is zero; reads return that byte", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x61, 0x01);
  bus.out(0x43, 0x94); // ch2, LSB only, mode 2
  bus.out(0x42, 0x20);
  at(1);
  assert.equal(bus.in(0x42), 0x20);
  at(2);
  assert.equal(bus.in(0x42), 0x1f);
  bus.out(0x43, 0xa4); // ch2, MSB only, mode 2
  bus.out(0x42, 0x02);
  at(3);
  assert.equal(bus.in(0x42), 0x02);
  at(4);
  assert.equal(bus.in(0x42), 0x01, "0x01ff");
});

test("unlatched lo/hi reads alternate low and high byte", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x43, 0x34);
  bus.outs(0x40, 0x34, 0x12);
  at(1);
  assert.equal(bus.in(0x40), 0x34);
  assert.equal(bus.in(0x40), 0x12);
  assert.equal(bus.in(0x40), 0x34);
});

test("Linux's PIT calibration: channel 2 mode 0 with the gate on port 0x61, OUT2 in bit 5", () => {
  const { bus, at } = rig();
  at(5000);
  bus.out(0x61, (bus.in(0x61) & ~0x02) | 0x01);
  bus.out(0x43, 0xb0);
  bus.outs(0x42, 0xff, 0xff);
  assert.equal(bus.in(0x61) & 0x21, 0x01);
  at(5000 + 0xffff);
  assert.equal(bus.in(0x61) & 0x20, 0);
  at(5000 + 0x10000);
  assert.equal(bus.in(0x61) & 0x20, 0x20);
  // quick_pit_calibrate reads only the MSB (after a throwaway LSB read).
  bus.out(0x43, 0xb0);
  bus.outs(0x42, 0xff, 0xff);
  at(5000 + 0x10000 + 1 + 0x100);
  bus.in(0x42);
  assert.equal(bus.in(0x42), 0xfe);
});

test("gate low pauses mode 0 and the count resumes where it stopped", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x61, 0x01);
  bus.out(0x43, 0xb0);
  bus.outs(0x42, 100, 0);
  at(31);
  assert.equal(latched(bus, 2), 70);
  bus.out(0x61, 0x00);
  at(500);
  assert.equal(latched(bus, 2), 70);
  assert.equal(bus.in(0x61) & 0x20, 0);
  bus.out(0x61, 0x01);
  at(570);
  assert.equal(bus.in(0x61) & 0x20, 0x20);
  assert.equal(latched(bus, 2), 0);
  at(571);
  assert.equal(latched(bus, 2), 0xffff, "counting wraps on after terminal count");
});

test("mode 0: writing the first byte of a new count stops counting and drops OUT", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x61, 0x01);
  bus.out(0x43, 0xb0);
  bus.outs(0x42, 5, 0);
  at(10);
  assert.equal(bus.in(0x61) & 0x20, 0x20);
  bus.out(0x42, 3);
  assert.equal(bus.in(0x61) & 0x20, 0);
  const held = latched(bus, 2);
  at(20);
  assert.equal(latched(bus, 2), held);
  bus.out(0x42, 0);
  at(23);
  assert.equal(bus.in(0x61) & 0x20, 0);
  at(24);
  assert.equal(bus.in(0x61) & 0x20, 0x20);
});

test("mode 1: the gate's rising edge triggers a one-shot low pulse of N clocks, retriggerable", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x43, 0xb2); // ch2 mode 1
  bus.outs(0x42, 4, 0);
  at(10);
  assert.equal(bus.in(0x61) & 0x20, 0x20, "OUT high before a trigger");
  bus.out(0x61, 0x01); // trigger at tick 10
  assert.equal(status(bus, 2) & 0xc0, 0xc0, "OUT high, count not loaded yet");
  at(11);
  assert.equal(bus.in(0x61) & 0x20, 0);
  assert.equal(latched(bus, 2), 4);
  at(14);
  assert.equal(bus.in(0x61) & 0x20, 0);
  bus.out(0x61, 0x00);
  bus.out(0x61, 0x01); // retrigger at 14: reload at 15
  at(18);
  assert.equal(bus.in(0x61) & 0x20, 0);
  at(19);
  assert.equal(bus.in(0x61) & 0x20, 0x20);
});

test("mode 4: OUT strobes low for one clock when the count reaches 0", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x61, 0x01);
  bus.out(0x43, 0xb8); // ch2 mode 4
  bus.outs(0x42, 3, 0);
  const outs: number[] = [];
  for (let t = 1; t <= 6; t++) {
    at(t);
    outs.push((bus.in(0x61) >> 5) & 1);
  }
  assert.deepEqual(outs, [1, 1, 1, 0, 1, 1]);
});

test("mode 5: the strobe comes N + 1 clocks after the gate trigger", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x43, 0xba); // ch2 mode 5
  bus.outs(0x42, 2, 0);
  at(5);
  bus.out(0x61, 0x01);
  const outs: number[] = [];
  for (let t = 6; t <= 10; t++) {
    at(t);
    outs.push((bus.in(0x61) >> 5) & 1);
  }
  assert.deepEqual(outs, [1, 1, 0, 1, 1]);
});

test("modes 2/3: gate low forces OUT high and stops; the rising edge reloads", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x61, 0x01);
  bus.out(0x43, 0xb6); // ch2 mode 3
  bus.outs(0x42, 8, 0);
  at(6);
  assert.equal(bus.in(0x61) & 0x20, 0, "low half");
  bus.out(0x61, 0x00);
  assert.equal(bus.in(0x61) & 0x20, 0x20);
  at(50);
  bus.out(0x61, 0x01);
  at(51);
  assert.equal(latched(bus, 2), 8);
  assert.equal(bus.in(0x61) & 0x20, 0x20);
  at(55);
  assert.equal(bus.in(0x61) & 0x20, 0);
});

test("mode 2: a new count takes effect at the end of the current period", () => {
  const { bus, at } = rig();
  at(0);
  bus.out(0x43, 0x34);
  bus.outs(0x40, 10, 0);
  at(4); // count 7
  bus.outs(0x40, 3, 0);
  assert.equal(status(bus, 0) & 0x40, 0x40, "null count until the reload");
  at(10);
  assert.equal(latched(bus, 0), 1);
  at(11);
  assert.equal(latched(bus, 0), 3);
  assert.equal(status(bus, 0) & 0x40, 0);
  at(14);
  assert.equal(latched(bus, 0), 3);
});

test("port 0x61: bits 0-3 read back, bit 4 toggles every 15 µs of guest time", () => {
  const { bus, clock } = rig(1_000_000_000);
  bus.out(0x61, 0x0f);
  assert.equal(bus.in(0x61) & 0x0f, 0x0f);
  clock.t = 0;
  const a = bus.in(0x61) & 0x10;
  clock.t = 14_999;
  assert.equal(bus.in(0x61) & 0x10, a);
  clock.t = 15_000;
  assert.equal(bus.in(0x61) & 0x10, a ^ 0x10);
  clock.t = 30_000;
  assert.equal(bus.in(0x61) & 0x10, a);
});

test("reset state: channel 0 in mode 3 with count 65536 gives 18.2 Hz", () => {
  const { pit, bus, irq, clock } = rig(1_000_000_000);
  assert.equal(status(bus, 0), 0xf6, "OUT high, null count (loads on the next clock), RW lo/hi, mode 3, binary");
  let next = pit.tick(0);
  const start = irq.rises;
  while (next < 10 * 1e9) {
    clock.t = next;
    next = pit.tick(next);
  }
  // Edges at 1 + 65536j ≤ 11931820 (ticks in 10 s): j = 1..182.
  assert.equal(irq.rises - start, 182);
});

test("save/restore carries counting state across", () => {
  const { pit, bus, at } = rig();
  at(0);
  bus.out(0x43, 0x34);
  bus.outs(0x40, 100, 0);
  at(30);
  const state = JSON.parse(JSON.stringify(pit.save()));
  const other = rig();
  other.at(30);
  other.pit.restore(state);
  other.at(40);
  assert.equal(latched(other.bus, 0), 61);
});
