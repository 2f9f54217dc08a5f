import assert from "node:assert/strict";
import { test } from "node:test";
import { APIC_BASE, LocalApic } from "../../../src/hw/devices/apic.js";
import { Pic } from "../../../src/hw/devices/pic.js";
import { FakeClock, TestBus } from "./harness.js";

const ID = APIC_BASE + 0x20;
const VERSION = APIC_BASE + 0x30;
const TPR = APIC_BASE + 0x80;
const APR = APIC_BASE + 0x90;
const PPR = APIC_BASE + 0xa0;
const EOI = APIC_BASE + 0xb0;
const LDR = APIC_BASE + 0xd0;
const DFR = APIC_BASE + 0xe0;
const SVR = APIC_BASE + 0xf0;
const ISR = APIC_BASE + 0x100;
const TMR = APIC_BASE + 0x180;
const IRR = APIC_BASE + 0x200;
const ESR = APIC_BASE + 0x280;
const ICR_LO = APIC_BASE + 0x300;
const ICR_HI = APIC_BASE + 0x310;
const LVTT = APIC_BASE + 0x320;
const LVT0 = APIC_BASE + 0x350;
const LVT1 = APIC_BASE + 0x360;
const LVTERR = APIC_BASE + 0x370;
const TMICT = APIC_BASE + 0x380;
const TMCCT = APIC_BASE + 0x390;
const TDCR = APIC_BASE + 0x3e0;

const SELF = 0x40000;

/** A 1 GHz CPU and a 100 MHz bus: 10 cycles per bus clock. */
function rig(withPic = false) {
  const clock = new FakeClock(1_000_000_000);
  const pic = withPic ? new Pic() : null;
  const apic = new LocalApic(clock, { busHz: 100_000_000, pic });
  const bus = pic ? new TestBus(apic, pic) : new TestBus(apic);
  return { apic, pic, bus, clock };
}

function enabled() {
  const r = rig();
  r.bus.write(SVR, 0x1ff);
  return r;
}

function selfIpi(bus: TestBus, vector: number): void {
  bus.write(ICR_LO, SELF | vector);
}

test("power-up values (SDM 10.4.7.1): version 0x00050014, SVR 0xFF, DFR all ones, LVT masked", () => {
  const { bus } = rig();
  assert.equal(bus.read(VERSION), 0x00050014);
  assert.equal(bus.read(ID), 0);
  assert.equal(bus.read(SVR), 0xff);
  assert.equal(bus.read(DFR), 0xffffffff);
  for (const r of [LVTT, LVT0, LVT1, LVTERR]) assert.equal(bus.read(r), 0x10000);
  assert.equal(bus.read(TMCCT), 0);
  assert.equal(bus.read(TDCR), 0);
});

test("APIC ID bits 31-24; LDR bits 31-24; DFR model bits 31-28", () => {
  const { bus } = rig();
  bus.write(ID, 0x05000000);
  assert.equal(bus.read(ID), 0x05000000);
  bus.write(LDR, 0x12345678);
  assert.equal(bus.read(LDR), 0x12000000);
  bus.write(DFR, 0);
  assert.equal(bus.read(DFR), 0x0fffffff);
});

test("the PIC passes through while the APIC is software-disabled, then only with LINT0 = ExtINT", () => {
  const { apic, pic, bus } = rig(true);
  bus.outs(0x20, 0x11);
  bus.outs(0x21, 0x30, 0x04, 0x01);
  pic!.irq(1).set(true);
  assert.equal(apic.pending, true);
  assert.equal(apic.acknowledge(), 0x31);
  bus.out(0x20, 0x20);
  pic!.irq(1).set(false);
  // Linux's init_bsp_APIC: enable, then virtual wire.
  bus.write(SVR, 0x1ff);
  pic!.irq(1).set(true);
  assert.equal(apic.pending, false, "LINT0 masked");
  bus.write(LVT0, 0x700);
  bus.write(LVT1, 0x400);
  assert.equal(bus.read(LVT0), 0x700);
  assert.equal(apic.pending, true);
  assert.equal(apic.acknowledge(), 0x31);
  for (let w = 0; w < 8; w++) assert.equal(bus.read(ISR + 0x10 * w), 0, "ExtINT does not go through the APIC's ISR");
});

test("APIC interrupts are taken before the PIC's", () => {
  const { apic, pic, bus } = rig(true);
  bus.outs(0x20, 0x11);
  bus.outs(0x21, 0x30, 0x04, 0x01);
  bus.write(SVR, 0x1ff);
  bus.write(LVT0, 0x700);
  pic!.irq(0).set(true);
  selfIpi(bus, 0xef);
  assert.equal(apic.acknowledge(), 0xef);
  assert.equal(apic.pending, true);
  assert.equal(apic.acknowledge(), 0x30);
});

test("globally disabled (IA32_APIC_BASE.EN clear): the PIC alone, and the APIC back at power-up state", () => {
  const { apic, pic, bus } = rig(true);
  bus.write(SVR, 0x1ff);
  bus.write(TPR, 0x20);
  apic.hardwareEnabled = false;
  pic!.irq(3).set(true);
  assert.equal(apic.pending, true);
  assert.equal(apic.acknowledge(), 0x03, "uninitialized PIC: base 0");
  apic.hardwareEnabled = true;
  assert.equal(bus.read(SVR), 0xff);
  assert.equal(bus.read(TPR), 0);
});

test("self-IPI: IRR, then ISR after INTA, then EOI", () => {
  const { apic, bus } = enabled();
  selfIpi(bus, 0x41);
  assert.equal(bus.read(IRR + 0x20), 0x2, "vector 0x41 is bit 1 of IRR word 2");
  assert.equal(bus.read(ICR_LO) & 0x1000, 0, "delivery status idle");
  assert.equal(apic.pending, true);
  assert.equal(apic.acknowledge(), 0x41);
  assert.equal(bus.read(IRR + 0x20), 0);
  assert.equal(bus.read(ISR + 0x20), 0x2);
  assert.equal(bus.read(PPR), 0x40);
  bus.write(EOI, 0);
  assert.equal(bus.read(ISR + 0x20), 0);
  assert.equal(bus.read(PPR), 0);
});

test("TPR masks by priority class; PPR is the larger of TPR and the in-service class", () => {
  const { apic, bus } = enabled();
  bus.write(TPR, 0x50);
  assert.equal(bus.read(PPR), 0x50);
  selfIpi(bus, 0x45);
  assert.equal(apic.pending, false, "class 4 below TPR class 5");
  selfIpi(bus, 0x61);
  assert.equal(apic.pending, true);
  assert.equal(apic.acknowledge(), 0x61);
  assert.equal(bus.read(PPR), 0x60);
  assert.equal(bus.read(APR), 0x60);
  bus.write(EOI, 0);
  assert.equal(bus.read(PPR), 0x50);
  bus.write(TPR, 0x4f);
  assert.equal(bus.read(PPR), 0x4f);
  assert.equal(apic.pending, false, "class 4 must be above PPR's class 4");
  bus.write(TPR, 0x3f);
  assert.equal(apic.pending, true);
  assert.equal(apic.acknowledge(), 0x45);
});

test("nesting: an in-service class blocks its own and lower classes, a higher class preempts", () => {
  const { apic, bus } = enabled();
  selfIpi(bus, 0x31);
  selfIpi(bus, 0x82);
  assert.equal(apic.acknowledge(), 0x82);
  assert.equal(apic.pending, false);
  selfIpi(bus, 0x85);
  assert.equal(apic.pending, false, "same class as 0x82");
  selfIpi(bus, 0x91);
  assert.equal(apic.acknowledge(), 0x91);
  bus.write(EOI, 0);
  assert.equal(bus.read(ISR + 0x40), 0x4, "EOI cleared 0x91 only");
  bus.write(EOI, 0);
  assert.equal(apic.acknowledge(), 0x85);
  bus.write(EOI, 0);
  assert.equal(apic.acknowledge(), 0x31);
});

test("INTA with nothing deliverable returns the spurious vector and sets no ISR bit", () => {
  const { apic, bus } = enabled();
  assert.equal(apic.acknowledge(), 0xff);
  bus.write(SVR, 0x1e7);
  assert.equal(apic.acknowledge(), 0xe7);
  assert.equal(bus.read(ISR + 0x70), 0);
});

test("software-disabled: no APIC interrupts, LVT masks forced and sticky", () => {
  const { apic, bus } = enabled();
  bus.write(LVTT, 0x30);
  assert.equal(bus.read(LVTT), 0x30);
  bus.write(SVR, 0xff);
  assert.equal(bus.read(LVTT), 0x10030);
  bus.write(LVTT, 0x31);
  assert.equal(bus.read(LVTT), 0x10031, "cannot unmask while disabled");
  selfIpi(bus, 0x50);
  assert.equal(apic.pending, false);
  bus.write(SVR, 0x1ff);
  assert.equal(apic.pending, true, "IRR kept while disabled");
});

test("ESR: errors show only after a write; illegal vectors on send and receive", () => {
  const { bus } = enabled();
  selfIpi(bus, 0x05);
  assert.equal(bus.read(ESR), 0);
  bus.write(ESR, 0);
  assert.equal(bus.read(ESR), 0x60);
  bus.write(ESR, 0);
  assert.equal(bus.read(ESR), 0);
  bus.read(APIC_BASE + 0x40); // reserved register
  bus.write(ESR, 0);
  assert.equal(bus.read(ESR), 0x80);
});

test("an unmasked LVT error entry raises its vector", () => {
  const { apic, bus } = enabled();
  bus.write(LVTERR, 0xfe);
  selfIpi(bus, 0x01);
  assert.equal(apic.acknowledge(), 0xfe);
});

test("logical destinations: flat and cluster models; physical ID and broadcast", () => {
  const { apic, bus } = enabled();
  bus.write(ID, 0x03000000);
  bus.write(ICR_HI, 0x02000000);
  bus.write(ICR_LO, 0x51); // physical, dest 2: not us
  assert.equal(apic.pending, false);
  bus.write(ICR_HI, 0x03000000);
  bus.write(ICR_LO, 0x51);
  assert.equal(apic.acknowledge(), 0x51);
  bus.write(EOI, 0);
  bus.write(LDR, 0x04000000);
  bus.write(ICR_HI, 0x05000000);
  bus.write(ICR_LO, 0x852); // logical flat: 0x05 & 0x04
  assert.equal(apic.acknowledge(), 0x52);
  bus.write(EOI, 0);
  bus.write(DFR, 0x0fffffff); // cluster
  bus.write(LDR, 0x21000000); // cluster 2, member bit 0
  bus.write(ICR_HI, 0x11000000);
  bus.write(ICR_LO, 0x853);
  assert.equal(apic.pending, false, "cluster 1");
  bus.write(ICR_HI, 0x23000000);
  bus.write(ICR_LO, 0x853);
  assert.equal(apic.acknowledge(), 0x53);
  bus.write(EOI, 0);
  bus.write(ICR_LO, 0xc0054); // all excluding self
  assert.equal(apic.pending, false);
  bus.write(ICR_LO, 0x80055); // all including self
  assert.equal(apic.acknowledge(), 0x55);
});

test("INIT and NMI IPIs are dropped; a level-triggered fixed IPI sets TMR", () => {
  const { apic, bus } = enabled();
  bus.write(ICR_LO, SELF | 0x500);
  bus.write(ICR_LO, SELF | 0x400 | 0x60);
  assert.equal(apic.pending, false);
  bus.write(ICR_LO, SELF | 0xc000 | 0x61);
  assert.equal(bus.read(TMR + 0x30), 0x2);
  assert.equal(apic.acknowledge(), 0x61);
  bus.write(EOI, 0);
  assert.equal(bus.read(TMR + 0x30), 0);
});

test("divide configuration: 0,1,2,3,8,9,A,B divide by 2,4,8,16,32,64,128,1", () => {
  for (const [cfg, div] of [
    [0x0, 2],
    [0x1, 4],
    [0x2, 8],
    [0x3, 16],
    [0x8, 32],
    [0x9, 64],
    [0xa, 128],
    [0xb, 1],
  ]) {
    const { bus, clock } = enabled();
    bus.write(TDCR, cfg);
    assert.equal(bus.read(TDCR), cfg);
    bus.write(TMICT, 100_000);
    clock.t = 10 * div * 1000; // 1000 divided clocks
    assert.equal(bus.read(TMCCT), 99_000, `divide config ${cfg}`);
  }
});

test("one-shot timer: count 1000 divided by 16 expires after 16000 bus clocks (160000 cycles at 1 GHz)", () => {
  const { apic, bus, clock } = enabled();
  bus.write(TDCR, 0x3);
  bus.write(LVTT, 0x40);
  clock.t = 5000;
  bus.write(TMICT, 1000);
  assert.equal(bus.read(TMICT), 1000);
  assert.equal(apic.tick(clock.t), 5000 + 160_000);
  clock.t = 5000 + 80_000;
  assert.equal(bus.read(TMCCT), 500);
  clock.t = 5000 + 159_999;
  assert.equal(bus.read(TMCCT), 1);
  apic.tick(clock.t);
  assert.equal(apic.pending, false);
  clock.t = 5000 + 160_000;
  assert.equal(bus.read(TMCCT), 0);
  assert.equal(apic.tick(clock.t), Number.POSITIVE_INFINITY);
  assert.equal(apic.acknowledge(), 0x40);
  bus.write(EOI, 0);
  clock.t += 10_000_000;
  assert.equal(apic.tick(clock.t), Number.POSITIVE_INFINITY);
  assert.equal(apic.pending, false, "one-shot fires once");
  assert.equal(bus.read(TMCCT), 0);
});

test("periodic timer: reloads from the initial count; ten periods give ten interrupts", () => {
  const { apic, bus, clock } = enabled();
  bus.write(TDCR, 0xb);
  bus.write(LVTT, 0x20000 | 0xec);
  bus.write(TMICT, 100); // 100 bus clocks = 1000 cycles
  clock.t = 2550;
  assert.equal(bus.read(TMCCT), 45);
  clock.t = 0;
  let fired = 0;
  let next = apic.tick(0);
  while (next <= 10_000) {
    clock.t = next;
    next = apic.tick(next);
    if (apic.pending) {
      assert.equal(apic.acknowledge(), 0xec);
      bus.write(EOI, 0);
      fired++;
    }
  }
  assert.equal(fired, 10);
  assert.equal(next, 11_000);
});

test("a masked timer keeps counting but raises nothing, even after unmasking", () => {
  const { apic, bus, clock } = enabled();
  bus.write(TDCR, 0xb);
  bus.write(LVTT, 0x10000 | 0x20000 | 0xec);
  bus.write(TMICT, 100);
  assert.equal(apic.tick(0), Number.POSITIVE_INFINITY);
  clock.t = 2500;
  assert.equal(bus.read(TMCCT), 50);
  bus.write(LVTT, 0x20000 | 0xec);
  assert.equal(apic.pending, false, "expirations while masked are gone");
  assert.equal(apic.tick(clock.t), 3000);
});

test("changing the divisor mid-count keeps the current count", () => {
  const { bus, clock } = enabled();
  bus.write(TDCR, 0xb);
  bus.write(TMICT, 1000);
  clock.t = 3000; // 300 clocks
  bus.write(TDCR, 0x0); // divide by 2
  assert.equal(bus.read(TMCCT), 700);
  clock.t = 3000 + 2000; // 200 bus clocks = 100 divided
  assert.equal(bus.read(TMCCT), 600);
});

test("writing 0 to the initial count stops the timer", () => {
  const { apic, bus, clock } = enabled();
  bus.write(LVTT, 0x40);
  bus.write(TMICT, 1000);
  bus.write(TMICT, 0);
  clock.t = 1e9;
  assert.equal(apic.tick(clock.t), Number.POSITIVE_INFINITY);
  assert.equal(apic.pending, false);
});

test("byte reads of a register and the upper words of a slot", () => {
  const { bus } = rig();
  assert.equal(bus.read(VERSION, 1), 0x14);
  assert.equal(bus.read(VERSION + 2, 1), 0x05);
  assert.equal(bus.read(VERSION + 4), 0);
});

test("save/restore: registers, pending interrupts and the running timer", () => {
  const a = enabled();
  a.bus.write(TPR, 0x20);
  selfIpi(a.bus, 0x77);
  a.bus.write(TDCR, 0xb);
  a.bus.write(LVTT, 0x20000 | 0xec);
  a.bus.write(TMICT, 100);
  a.clock.t = 250;
  const s = JSON.parse(JSON.stringify(a.apic.save()));
  const b = rig();
  b.clock.t = 250;
  b.apic.restore(s);
  assert.equal(b.bus.read(TPR), 0x20);
  assert.equal(b.bus.read(TMCCT), 75);
  assert.equal(b.apic.acknowledge(), 0x77);
  assert.equal(b.apic.tick(250), 1000);
});
