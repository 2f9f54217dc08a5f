import assert from "node:assert/strict";
import { test } from "node:test";
import { Rtc } from "../../../src/hw/devices/rtc.js";
import { FakeClock, RecordingLine, TestBus } from "./harness.js";

const HZ = 1_000_000_000;
/** Thursday 29 February 2024, 23:59:58 UTC. */
const LEAP_EVE = Date.UTC(2024, 1, 29, 23, 59, 58) / 1000;

function rig(start: Date | number = LEAP_EVE, memoryBytes?: number) {
  const clock = new FakeClock(HZ);
  const irq = new RecordingLine();
  const rtc = new Rtc(clock, irq, { start, memoryBytes });
  const bus = new TestBus(rtc);
  const cmos = (i: number): number => {
    bus.out(0x70, i);
    return bus.in(0x71);
  };
  const setCmos = (i: number, v: number): void => {
    bus.out(0x70, i);
    bus.out(0x71, v);
  };
  return { rtc, bus, clock, irq, cmos, setCmos };
}

/** Seconds, minutes, hours, day of week, date, month, year, century. */
function timeRegs(cmos: (i: number) => number): number[] {
  return [0, 2, 4, 6, 7, 8, 9, 0x32].map(cmos);
}

test("BCD, 24-hour: the start time in the time registers, and a leap-day midnight rollover", () => {
  const { clock, cmos } = rig();
  assert.equal(cmos(0x0b), 0x02);
  assert.deepEqual(timeRegs(cmos), [0x58, 0x59, 0x23, 0x05, 0x29, 0x02, 0x24, 0x20]);
  clock.t = 2 * HZ;
  assert.deepEqual(timeRegs(cmos), [0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x24, 0x20], "Friday 1 March");
});

test("binary mode (DM) and 12-hour mode with the PM flag in bit 7", () => {
  const { cmos, setCmos } = rig();
  setCmos(0x0b, 0x06); // binary, 24 h
  assert.deepEqual(timeRegs(cmos).slice(0, 7), [58, 59, 23, 5, 29, 2, 24]);
  setCmos(0x0b, 0x04); // binary, 12 h
  assert.equal(cmos(4), 0x80 | 11);
  setCmos(0x0b, 0x00); // BCD, 12 h
  assert.equal(cmos(4), 0x91);
});

test("12-hour mode: midnight is 12 AM (0x12) and noon is 12 PM (0x92)", () => {
  const midnight = Date.UTC(2023, 6, 4, 0, 30, 0) / 1000;
  const { clock, cmos, setCmos } = rig(midnight);
  setCmos(0x0b, 0x00);
  assert.equal(cmos(4), 0x12);
  clock.t = 12 * 3600 * HZ;
  assert.equal(cmos(4), 0x92);
});

test("UIP is set for the 244 µs before each update and clear otherwise", () => {
  const { clock, cmos } = rig();
  clock.advanceSeconds(0.9997);
  assert.equal(cmos(0x0a), 0x26);
  assert.equal(cmos(0), 0x58);
  clock.t = Math.round(0.99976 * HZ);
  assert.equal(cmos(0x0a), 0xa6);
  assert.equal(cmos(0), 0x58, "not yet updated");
  clock.t = HZ;
  assert.equal(cmos(0x0a), 0x26);
  assert.equal(cmos(0), 0x59);
});

test("periodic interrupt at the reset rate (1024 Hz) gives 1024 IRQ 8 edges in one second", () => {
  const { rtc, clock, irq, cmos, setCmos } = rig();
  setCmos(0x0b, 0x42); // PIE, 24 h
  let next = rtc.tick(0);
  let reads = 0;
  while (next <= HZ) {
    clock.t = next;
    next = rtc.tick(next);
    if (irq.level) {
      assert.equal(cmos(0x0c) & 0xc0, 0xc0, "IRQF and PF");
      reads++;
    }
  }
  assert.equal(irq.rises, 1024);
  assert.equal(reads, 1024);
});

test("rate select: RS=3 is 8192 Hz, RS=15 is 2 Hz, RS=1 is 256 Hz", () => {
  for (const [rs, hz] of [
    [3, 8192],
    [15, 2],
    [1, 256],
  ]) {
    const { rtc, clock, irq, cmos, setCmos } = rig(1_000_000);
    setCmos(0x0a, 0x20 | rs);
    setCmos(0x0b, 0x42);
    let next = rtc.tick(0);
    while (next <= HZ) {
      clock.t = next;
      next = rtc.tick(next);
      if (irq.level) cmos(0x0c);
    }
    assert.equal(irq.rises, hz, `RS=${rs}`);
  }
});

test("register C: cleared on read, which also lowers IRQ 8; PF is set even with PIE clear", () => {
  const { clock, irq, cmos, setCmos } = rig();
  clock.advanceSeconds(0.01);
  assert.equal(irq.level, false);
  assert.equal(cmos(0x0c), 0x40, "PF without IRQF");
  assert.equal(cmos(0x0c), 0x00);
  clock.advanceSeconds(0.01);
  setCmos(0x0b, 0x42); // enabling PIE with PF pending raises IRQF at once
  assert.equal(irq.level, true);
  assert.equal(cmos(0x0c), 0xc0);
  assert.equal(irq.level, false);
  assert.equal(cmos(0x0c), 0x00);
});

test("update-ended interrupt: UF and IRQ 8 once per second", () => {
  const { rtc, clock, irq, cmos, setCmos } = rig();
  setCmos(0x0b, 0x12); // UIE
  cmos(0x0c);
  const next = rtc.tick(0);
  assert.equal(next, HZ);
  clock.t = next - 1;
  rtc.tick(clock.t);
  assert.equal(irq.level, false);
  clock.t = next;
  rtc.tick(next);
  assert.equal(irq.level, true);
  assert.equal(cmos(0x0c), 0xd0, "IRQF | PF | UF");
});

test("alarm: an exact time, and don't-care bytes (0xC0-0xFF) matching every hour and minute", () => {
  const { rtc, clock, irq, cmos, setCmos } = rig();
  setCmos(1, 0x00);
  setCmos(3, 0x00);
  setCmos(5, 0x00);
  setCmos(0x0b, 0x22); // AIE
  clock.t = HZ;
  rtc.tick(clock.t);
  assert.equal(irq.level, false, "23:59:59");
  clock.t = 2 * HZ;
  rtc.tick(clock.t);
  assert.equal(irq.level, true, "00:00:00 matches");
  assert.equal(cmos(0x0c) & 0xa0, 0xa0);
  // Every minute at second 30.
  setCmos(1, 0x30);
  setCmos(3, 0xc0);
  setCmos(5, 0xff);
  let fired = 0;
  for (let s = 3; s <= 182; s++) {
    clock.t = s * HZ;
    rtc.tick(clock.t);
    if (cmos(0x0c) & 0x20) fired++;
  }
  assert.equal(fired, 3, "00:00:30, 00:01:30, 00:02:30");
});

test("an alarm second passed while nobody ticked is still flagged", () => {
  const { clock, cmos, setCmos } = rig();
  setCmos(1, 0x05);
  setCmos(3, 0x00);
  setCmos(5, 0x00);
  clock.t = 30 * HZ; // 00:00:28: the alarm at 00:00:05 passed unseen
  assert.equal(cmos(0x0c) & 0x20, 0x20);
});

test("SET freezes the clock and clears UIE; the written time runs on once SET is cleared", () => {
  const { clock, cmos, setCmos } = rig();
  setCmos(0x0b, 0x12);
  setCmos(0x0b, 0x82 | 0x10);
  assert.equal(cmos(0x0b), 0x82, "UIE cleared by SET");
  setCmos(0, 0x00);
  setCmos(2, 0x30);
  setCmos(4, 0x12);
  setCmos(7, 0x15);
  setCmos(8, 0x06);
  setCmos(9, 0x99);
  setCmos(0x32, 0x19);
  clock.advanceSeconds(5);
  assert.deepEqual(timeRegs(cmos), [0x00, 0x30, 0x12, 0x05, 0x15, 0x06, 0x99, 0x19], "frozen; day of week kept");
  assert.equal(cmos(0x0a) & 0x80, 0, "no UIP while SET");
  setCmos(0x0b, 0x02);
  clock.advanceSeconds(61);
  assert.deepEqual(timeRegs(cmos).slice(0, 3), [0x01, 0x31, 0x12]);
});

test("divider reset (DV=110) stops the clock; the first update comes 500 ms after restarting", () => {
  const { clock, cmos, setCmos } = rig();
  clock.advanceSeconds(0.3);
  setCmos(0x0a, 0x66);
  clock.advanceSeconds(10);
  assert.equal(cmos(0), 0x58);
  setCmos(0x0a, 0x26);
  clock.advanceSeconds(0.499);
  assert.equal(cmos(0), 0x58);
  clock.advanceSeconds(0.002);
  assert.equal(cmos(0), 0x59);
});

test("a fractional start time sets the phase of the first update", () => {
  const { clock, cmos } = rig(LEAP_EVE + 0.75);
  clock.advanceSeconds(0.2499);
  assert.equal(cmos(0), 0x58);
  clock.advanceSeconds(0.0002);
  assert.equal(cmos(0), 0x59);
});

test("a Date works as start time", () => {
  const { cmos } = rig(new Date(Date.UTC(2031, 11, 31, 7, 8, 9)));
  assert.deepEqual(timeRegs(cmos), [0x09, 0x08, 0x07, 0x04, 0x31, 0x12, 0x31, 0x20], "Wednesday is day 4 (Sunday = 1)");
});

test("index port: bit 7 is the NMI mask and not part of the index; 0x70 reads 0xFF; register D reads 0x80", () => {
  const { rtc, bus, cmos } = rig();
  bus.out(0x70, 0x8a);
  assert.equal(bus.in(0x71), 0x26);
  assert.equal(rtc.nmiMasked, true);
  assert.equal(bus.in(0x70), 0xff);
  assert.equal(cmos(0x0d), 0x80, "VRT set, bit 6 clear (Linux checks it)");
  assert.equal(rtc.nmiMasked, false);
});

test("NVRAM bytes keep what is written; C and D ignore writes", () => {
  const { cmos, setCmos } = rig();
  setCmos(0x50, 0xa5);
  assert.equal(cmos(0x50), 0xa5);
  setCmos(0x0d, 0x00);
  assert.equal(cmos(0x0d), 0x80);
});

test("memory size bytes for 32 MiB and 128 MiB, equipment byte, checksum", () => {
  const a = rig(LEAP_EVE, 32 << 20);
  assert.deepEqual([0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35].map(a.cmos), [0x80, 0x02, 0x00, 0x7c, 0x00, 0x7c, 0x00, 0x01]);
  assert.equal(a.cmos(0x14), 0x02);
  // 0x02 + 0x80 + 0x02 + 0x00 + 0x7c = 0x100
  assert.deepEqual([a.cmos(0x2e), a.cmos(0x2f)], [0x01, 0x00]);
  const b = rig(LEAP_EVE, 128 << 20);
  assert.deepEqual([0x17, 0x18, 0x30, 0x31, 0x34, 0x35].map(b.cmos), [0xff, 0xff, 0xff, 0xff, 0x00, 0x07]);
});

test("writing the seconds while running restarts the count from the written value", () => {
  const { clock, cmos, setCmos } = rig();
  clock.advanceSeconds(0.5);
  setCmos(0, 0x10);
  assert.equal(cmos(0), 0x10);
  clock.advanceSeconds(0.5);
  assert.equal(cmos(0), 0x11);
});

test("reset() clears the interrupt enables and flags but keeps the time", () => {
  const { rtc, clock, irq, cmos, setCmos } = rig();
  setCmos(0x0b, 0x7a);
  clock.advanceSeconds(0.01);
  rtc.tick(clock.t);
  assert.equal(irq.level, true);
  rtc.reset();
  assert.equal(irq.level, false);
  assert.equal(cmos(0x0b), 0x02);
  assert.equal(cmos(0x0c), 0);
  assert.equal(cmos(0), 0x58);
});

test("save/restore keeps time and flags", () => {
  const a = rig();
  a.setCmos(0x0b, 0x06);
  a.clock.advanceSeconds(3.5);
  const s = JSON.parse(JSON.stringify(a.rtc.save()));
  const b = rig(0);
  b.clock.t = a.clock.t;
  b.rtc.restore(s);
  assert.deepEqual(timeRegs(b.cmos).slice(0, 7), [1, 0, 0, 6, 1, 3, 24]);
  b.clock.advanceSeconds(0.5);
  assert.equal(b.cmos(0), 2);
});
