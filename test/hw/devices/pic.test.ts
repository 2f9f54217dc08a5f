import assert from "node:assert/strict";
import { test } from "node:test";
import { Pic } from "../../../src/hw/devices/pic.js";
import { TestBus } from "./harness.js";

/** Linux 6.1's init_8259A: mask all, ICW1 0x11, ICW2 0x30/0x38, ICW3 0x04/0x02, ICW4 0x01. */
function linuxPic(masterBase = 0x30, slaveBase = 0x38): { pic: Pic; bus: TestBus } {
  const pic = new Pic();
  const bus = new TestBus(pic);
  bus.out(0x21, 0xff);
  bus.outs(0x20, 0x11);
  bus.outs(0x21, masterBase, 0x04, 0x01);
  bus.outs(0xa0, 0x11);
  bus.outs(0xa1, slaveBase, 0x02, 0x01);
  bus.out(0x21, 0x00);
  bus.out(0xa1, 0x00);
  return { pic, bus };
}

const OCW3_READ_IRR = 0x0a;
const OCW3_READ_ISR = 0x0b;
const OCW3_POLL = 0x0c;

test("Linux's 8259A probe reads back the mask it wrote", () => {
  const pic = new Pic();
  const bus = new TestBus(pic);
  bus.out(0xa1, 0xff);
  bus.out(0x21, 0xa5);
  assert.equal(bus.in(0x21), 0xa5);
  assert.equal(bus.in(0xa1), 0xff);
});

test("ICW sequence 0x11, 0x20, 0x04, 0x01 / 0x11, 0x28, 0x02, 0x01 maps IRQ 0 to 0x20 and IRQ 8 to 0x28", () => {
  const { pic, bus } = linuxPic(0x20, 0x28);
  assert.equal(pic.pending, false);
  pic.irq(0).set(true);
  assert.equal(pic.pending, true);
  assert.equal(pic.acknowledge(), 0x20);
  assert.equal(pic.pending, false);
  pic.irq(8).set(true);
  assert.equal(pic.pending, false, "IR0 in service blocks the cascade");
  bus.out(0x20, 0x20);
  assert.equal(pic.pending, true);
  assert.equal(pic.acknowledge(), 0x28);
});

test("ICW1 clears the mask and ICW2 only keeps bits 7-3 of the base", () => {
  const pic = new Pic();
  const bus = new TestBus(pic);
  bus.out(0x21, 0xff);
  bus.out(0x20, 0x11);
  assert.equal(bus.in(0x21), 0x00);
  bus.outs(0x21, 0x37, 0x04, 0x01);
  pic.irq(3).set(true);
  assert.equal(pic.acknowledge(), 0x33);
});

test("single mode (ICW1 bit 1) skips ICW3: the next byte is ICW4, then OCW1", () => {
  const pic = new Pic();
  const bus = new TestBus(pic);
  bus.out(0x20, 0x13); // single, ICW4 needed
  bus.outs(0x21, 0x08, 0x03); // base 8, ICW4: µPM + AEOI
  bus.out(0x21, 0xfe); // now OCW1
  assert.equal(bus.in(0x21), 0xfe);
  pic.irq(0).set(true);
  assert.equal(pic.acknowledge(), 0x08);
  bus.out(0x20, OCW3_READ_ISR);
  assert.equal(bus.in(0x20), 0, "AEOI sets no ISR bit");
});

test("ISR and IRR through OCW3; an in-service level blocks equal and lower priorities until EOI", () => {
  const { pic, bus } = linuxPic();
  pic.irq(3).set(true);
  pic.irq(5).set(true);
  bus.out(0x20, OCW3_READ_IRR);
  assert.equal(bus.in(0x20), 0x28);
  assert.equal(pic.acknowledge(), 0x33);
  assert.equal(bus.in(0x20), 0x20, "IRR3 cleared by INTA (edge)");
  bus.out(0x20, OCW3_READ_ISR);
  assert.equal(bus.in(0x20), 0x08);
  assert.equal(pic.pending, false, "IRQ5 is below in-service IRQ3");
  pic.irq(1).set(true);
  assert.equal(pic.pending, true, "IRQ1 outranks IRQ3 and nests");
  assert.equal(pic.acknowledge(), 0x31);
  assert.equal(bus.in(0x20), 0x0a);
  bus.out(0x20, 0x20); // non-specific EOI clears the highest: IR1
  assert.equal(bus.in(0x20), 0x08);
  assert.equal(pic.pending, false);
  bus.out(0x20, 0x20);
  assert.equal(bus.in(0x20), 0x00);
  assert.equal(pic.pending, true);
  assert.equal(pic.acknowledge(), 0x35);
});

test("specific EOI (0x60 + level) clears exactly that ISR bit", () => {
  const { pic, bus } = linuxPic();
  pic.irq(4).set(true);
  pic.acknowledge();
  pic.irq(0).set(true);
  pic.acknowledge();
  bus.out(0x20, OCW3_READ_ISR);
  assert.equal(bus.in(0x20), 0x11);
  bus.out(0x20, 0x64);
  assert.equal(bus.in(0x20), 0x01);
  bus.out(0x20, 0x60);
  assert.equal(bus.in(0x20), 0x00);
});

test("masked requests stay in IRR and are delivered on unmasking", () => {
  const { pic, bus } = linuxPic();
  bus.out(0x21, 0x01);
  pic.irq(0).set(true);
  assert.equal(pic.pending, false);
  bus.out(0x20, OCW3_READ_IRR);
  assert.equal(bus.in(0x20), 0x01);
  bus.out(0x21, 0x00);
  assert.equal(pic.pending, true);
  assert.equal(pic.acknowledge(), 0x30);
});

test("edge-triggered: one request per rising edge, holding the line high requests nothing more", () => {
  const { pic, bus } = linuxPic();
  pic.irq(0).set(true);
  assert.equal(pic.acknowledge(), 0x30);
  bus.out(0x20, 0x20);
  assert.equal(pic.pending, false, "line still high, no new edge");
  pic.irq(0).set(false);
  pic.irq(0).set(true);
  assert.equal(pic.pending, true);
});

test("level-triggered via ELCR: the request follows the line and re-asserts after EOI", () => {
  const { pic, bus } = linuxPic();
  bus.out(0x4d1, 0xff);
  assert.equal(bus.in(0x4d1), 0xde, "IRQ 8 and 13 cannot be level-triggered");
  bus.out(0x4d0, 0xff);
  assert.equal(bus.in(0x4d0), 0xf8, "IRQ 0-2 cannot be level-triggered");
  pic.irq(11).set(true);
  assert.equal(pic.acknowledge(), 0x3b);
  bus.out(0xa0, 0x20);
  bus.out(0x20, 0x20);
  assert.equal(pic.pending, true, "line still high: requests again");
  assert.equal(pic.acknowledge(), 0x3b);
  pic.irq(11).set(false);
  bus.out(0xa0, 0x20);
  bus.out(0x20, 0x20);
  assert.equal(pic.pending, false);
});

test("spurious IRQ 7: a level request that vanishes before INTA gives base+7 and no ISR bit", () => {
  const { pic, bus } = linuxPic();
  bus.out(0x4d0, 0x20); // IRQ 5 level
  pic.irq(5).set(true);
  assert.equal(pic.pending, true);
  pic.irq(5).set(false);
  assert.equal(pic.acknowledge(), 0x37);
  bus.out(0x20, OCW3_READ_ISR);
  assert.equal(bus.in(0x20), 0x00);
});

test("spurious IRQ 15: the master sets ISR bit 2, the slave none", () => {
  const { pic, bus } = linuxPic();
  bus.out(0x4d1, 0x04); // IRQ 10 level
  pic.irq(10).set(true);
  assert.equal(pic.pending, true);
  pic.irq(10).set(false); // the slave's request is gone, the master has latched IR2's edge
  assert.equal(pic.pending, true);
  assert.equal(pic.acknowledge(), 0x3f);
  bus.out(0x20, OCW3_READ_ISR);
  bus.out(0xa0, OCW3_READ_ISR);
  assert.equal(bus.in(0x20), 0x04);
  assert.equal(bus.in(0xa0), 0x00);
});

test("a slave interrupt sets ISR on both chips; the next slave request waits for both EOIs", () => {
  const { pic, bus } = linuxPic();
  pic.irq(12).set(true);
  pic.irq(14).set(true);
  assert.equal(pic.acknowledge(), 0x3c);
  bus.out(0x20, OCW3_READ_ISR);
  bus.out(0xa0, OCW3_READ_ISR);
  assert.equal(bus.in(0x20), 0x04);
  assert.equal(bus.in(0xa0), 0x10);
  assert.equal(pic.pending, false);
  // Linux's order: specific EOI to the slave, then to the master's cascade level.
  bus.out(0xa0, 0x64);
  assert.equal(pic.pending, false, "master's IR2 still in service");
  bus.out(0x20, 0x62);
  assert.equal(pic.pending, true);
  assert.equal(pic.acknowledge(), 0x3e);
});

test("a master level above IR2 preempts a slave interrupt in service", () => {
  const { pic } = linuxPic();
  pic.irq(8).set(true);
  assert.equal(pic.acknowledge(), 0x38);
  pic.irq(3).set(true);
  assert.equal(pic.pending, false, "IR3 is below IR2");
  pic.irq(1).set(true);
  assert.equal(pic.acknowledge(), 0x31);
});

test("special fully nested mode lets a higher slave level through while IR2 is in service", () => {
  const pic = new Pic();
  const bus = new TestBus(pic);
  bus.out(0x20, 0x11);
  bus.outs(0x21, 0x30, 0x04, 0x11); // ICW4: SFNM + µPM
  bus.out(0xa0, 0x11);
  bus.outs(0xa1, 0x38, 0x02, 0x01);
  pic.irq(12).set(true);
  assert.equal(pic.acknowledge(), 0x3c);
  pic.irq(9).set(true);
  assert.equal(pic.pending, true);
  assert.equal(pic.acknowledge(), 0x39);
  // Without SFNM the same sequence would block (see the previous test's first half).
});

test("poll mode: the read acknowledges and returns 0x80 | level, or 0 with nothing pending", () => {
  const { pic, bus } = linuxPic();
  pic.irq(6).set(true);
  pic.irq(4).set(true);
  bus.out(0x20, OCW3_POLL);
  assert.equal(bus.in(0x20), 0x84);
  bus.out(0x20, OCW3_READ_ISR);
  assert.equal(bus.in(0x20), 0x10, "poll set ISR4");
  bus.out(0x20, OCW3_POLL);
  assert.equal(bus.in(0x20), 0x00, "IR6 blocked by IR4 in service");
  bus.out(0x20, 0x20);
  bus.out(0x20, OCW3_POLL);
  assert.equal(bus.in(0x21), 0x86, "a poll may be read at either port");
  assert.equal(bus.in(0x21), 0x00, "the read after a poll is the IMR again");
});

test("rotate on non-specific EOI makes the serviced level the lowest priority", () => {
  const { pic, bus } = linuxPic();
  pic.irq(3).set(true);
  assert.equal(pic.acknowledge(), 0x33);
  bus.out(0x20, 0xa0); // rotate on non-specific EOI: IR3 becomes lowest, IR4 highest
  pic.irq(1).set(true);
  pic.irq(5).set(true);
  assert.equal(pic.acknowledge(), 0x35, "after rotation IR5 outranks IR1");
  bus.out(0x20, 0x20);
  assert.equal(pic.acknowledge(), 0x31);
});

test("set priority (0xC0 + level) and rotate on specific EOI (0xE0 + level)", () => {
  const { pic, bus } = linuxPic();
  bus.out(0x20, 0xc6); // IR6 lowest: IR7 highest
  pic.irq(0).set(true);
  pic.irq(7).set(true);
  assert.equal(pic.acknowledge(), 0x37);
  bus.out(0x20, 0xe7); // EOI IR7 and make it lowest: IR0 highest
  bus.out(0x20, OCW3_READ_ISR);
  assert.equal(bus.in(0x20), 0);
  assert.equal(pic.acknowledge(), 0x30);
});

test("automatic EOI with rotation: each acknowledged level drops to lowest priority", () => {
  const pic = new Pic();
  const bus = new TestBus(pic);
  bus.out(0x20, 0x11);
  bus.outs(0x21, 0x30, 0x04, 0x03); // AEOI
  bus.out(0x20, 0x80); // rotate in AEOI mode
  pic.irq(0).set(true);
  pic.irq(1).set(true);
  pic.irq(3).set(true);
  assert.equal(pic.acknowledge(), 0x30);
  pic.irq(0).set(false);
  pic.irq(0).set(true);
  assert.equal(pic.acknowledge(), 0x31, "IR0 now lowest");
  assert.equal(pic.acknowledge(), 0x33);
  assert.equal(pic.acknowledge(), 0x30);
  bus.out(0x20, OCW3_READ_ISR);
  assert.equal(bus.in(0x20), 0);
});

test("special mask mode lets lower levels interrupt while a masked level is in service", () => {
  const { pic, bus } = linuxPic();
  pic.irq(3).set(true);
  assert.equal(pic.acknowledge(), 0x33);
  pic.irq(6).set(true);
  assert.equal(pic.pending, false);
  bus.out(0x21, 0x08); // mask IR3
  bus.out(0x20, 0x68); // OCW3: set special mask
  assert.equal(pic.pending, true);
  assert.equal(pic.acknowledge(), 0x36);
  bus.out(0x20, 0x48); // reset special mask
  pic.irq(5).set(true);
  assert.equal(pic.pending, false);
});

test("ICW1 drops latched edge requests: an input must rise again", () => {
  const { pic, bus } = linuxPic();
  pic.irq(4).set(true);
  bus.out(0x20, 0x11);
  bus.outs(0x21, 0x30, 0x04, 0x01);
  assert.equal(pic.pending, false);
  pic.irq(4).set(false);
  pic.irq(4).set(true);
  assert.equal(pic.acknowledge(), 0x34);
});

test("ISA IRQ 2 arrives as IRQ 9", () => {
  const { pic } = linuxPic();
  pic.irq(2).set(true);
  assert.equal(pic.acknowledge(), 0x39);
});

test("16-bit access to 0x20 reads IRR then IMR", () => {
  const { pic, bus } = linuxPic();
  bus.out(0x21, 0x5a);
  pic.irq(1).set(true);
  assert.equal(bus.in(0x20, 2), 0x5a02);
});

test("save/restore carries the whole state", () => {
  const { pic, bus } = linuxPic();
  pic.irq(13).set(true);
  pic.irq(6).set(true);
  bus.out(0x21, 0x40);
  const copy = new Pic();
  copy.restore(JSON.parse(JSON.stringify(pic.save())));
  assert.equal(copy.pending, true);
  assert.equal(copy.acknowledge(), 0x3d);
  const bus2 = new TestBus(copy);
  assert.equal(bus2.in(0x21), 0x40);
  copy.reset();
  assert.equal(copy.pending, false);
});
