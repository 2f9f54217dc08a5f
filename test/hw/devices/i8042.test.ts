import assert from "node:assert/strict";
import { test } from "node:test";
import { I8042 } from "../../../src/hw/devices/i8042.js";
import { RecordingLine, TestBus } from "./harness.js";

function rig(a20?: boolean) {
  const irq1 = new RecordingLine();
  const irq12 = new RecordingLine();
  const a20Calls: boolean[] = [];
  let resets = 0;
  const kbc = new I8042(irq1, irq12, { setA20: (on) => a20Calls.push(on), requestReset: () => resets++, a20 });
  const bus = new TestBus(kbc);
  /** A controller command with optional data byte, then every reply byte (polling OBF as Linux does). */
  const command = (cmd: number, data?: number): number[] => {
    bus.out(0x64, cmd);
    if (data !== undefined) bus.out(0x60, data);
    return drain();
  };
  const drain = (): number[] => {
    const got: number[] = [];
    while (bus.in(0x64) & 0x01) got.push(bus.in(0x60));
    return got;
  };
  return { kbc, bus, irq1, irq12, a20Calls, resets: () => resets, command, drain };
}

test("status after a BIOS: SYS and keyboard unlocked; bit 3 tells command from data", () => {
  const { bus } = rig();
  assert.equal(bus.in(0x64), 0x14);
  bus.out(0x64, 0xad);
  assert.equal(bus.in(0x64), 0x1c);
  bus.out(0x60, 0xf4);
  assert.equal(bus.in(0x64) & 0x08, 0);
});

test("controller self-test 0xAA answers 0x55; interface tests 0xAB and 0xA9 answer 0x00", () => {
  const { bus, command } = rig();
  bus.out(0x64, 0xaa);
  assert.equal(bus.in(0x64), 0x1d, "OBF | SYS | CMD | unlocked");
  assert.equal(bus.in(0x60), 0x55);
  assert.equal(bus.in(0x64) & 0x01, 0);
  assert.deepEqual(command(0xab), [0x00]);
  assert.deepEqual(command(0xa9), [0x00]);
  assert.deepEqual(command(0xa4), [0xf1], "no password");
});

test("command byte: 0x20 reads 0x61 after a BIOS, 0x60 writes it, other RAM bytes too", () => {
  const { command } = rig();
  assert.deepEqual(command(0x20), [0x61]);
  command(0x60, 0x47);
  assert.deepEqual(command(0x20), [0x47]);
  command(0x7f, 0x99);
  assert.deepEqual(command(0x3f), [0x99]);
});

test("Linux's i8042_controller_init: stable CTR reads, keyboard disabled, keylock clear, write back, flush", () => {
  const { bus, command, drain } = rig();
  assert.deepEqual(drain(), []);
  const ctr = [command(0x20)[0], command(0x20)[0]];
  assert.equal(ctr[0], ctr[1]);
  assert.ok(bus.in(0x64) & 0x10, "I8042_STR_KEYLOCK set: not locked");
  assert.ok(ctr[0] & 0x40, "translation on: Linux keeps i8042_direct off");
  const newCtr = (ctr[0] | 0x10) & ~0x01;
  command(0x60, newCtr);
  assert.deepEqual(command(0x20), [0x70]);
  assert.deepEqual(drain(), []);
});

test("keyboard reset 0xFF gives 0xFA then 0xAA, each byte on its own IRQ 1 edge", () => {
  const { bus, irq1, drain } = rig();
  bus.out(0x60, 0xff);
  assert.equal(irq1.level, true);
  assert.equal(bus.in(0x60), 0xfa);
  assert.equal(irq1.level, true, "the next byte moved in");
  assert.equal(irq1.rises, 2, "lowered then raised again");
  assert.equal(bus.in(0x60), 0xaa);
  assert.equal(irq1.level, false);
  assert.deepEqual(drain(), []);
});

test("identify 0xF2: 0xFA 0xAB 0x41 through translation, 0x83 without", () => {
  const { bus, command, drain } = rig();
  bus.out(0x60, 0xf2);
  assert.deepEqual(drain(), [0xfa, 0xab, 0x41]);
  command(0x60, 0x21);
  bus.out(0x60, 0xf2);
  assert.deepEqual(drain(), [0xfa, 0xab, 0x83]);
});

test("LEDs, typematic, scan code set and echo", () => {
  const { bus, drain } = rig();
  bus.out(0x60, 0xed);
  bus.out(0x60, 0x07);
  assert.deepEqual(drain(), [0xfa, 0xfa]);
  bus.out(0x60, 0xf3);
  bus.out(0x60, 0x20);
  assert.deepEqual(drain(), [0xfa, 0xfa]);
  bus.out(0x60, 0xf0);
  bus.out(0x60, 0x00);
  assert.deepEqual(drain(), [0xfa, 0xfa, 0x41], "set 2, as seen through translation");
  bus.out(0x60, 0xf0);
  bus.out(0x60, 0x01);
  bus.out(0x60, 0xf0);
  bus.out(0x60, 0x00);
  assert.deepEqual(drain(), [0xfa, 0xfa, 0xfa, 0xfa, 0x43]);
  bus.out(0x60, 0xee);
  assert.deepEqual(drain(), [0xee]);
  bus.out(0x60, 0xf7);
  assert.deepEqual(drain(), [0xfe], "set-3-only command: resend");
});

test("scanning: scan codes reach the guest while enabled and are dropped after 0xF5", () => {
  const { kbc, bus, irq1, drain } = rig();
  kbc.sendScancodes([0x1e, 0x9e]);
  assert.equal(irq1.level, true);
  assert.deepEqual(drain(), [0x1e, 0x9e]);
  bus.out(0x60, 0xf5);
  assert.deepEqual(drain(), [0xfa]);
  kbc.sendScancodes([0x1e]);
  assert.deepEqual(drain(), []);
  bus.out(0x60, 0xf4);
  kbc.sendScancodes([0x30]);
  assert.deepEqual(drain(), [0xfa, 0x30]);
});

test("0xAD holds keyboard data while controller replies still come through; 0xAE releases it", () => {
  const { kbc, bus, command, drain } = rig();
  bus.out(0x64, 0xad);
  kbc.sendScancodes([0x1c]);
  assert.deepEqual(drain(), []);
  assert.deepEqual(command(0x20), [0x71]);
  bus.out(0x64, 0xae);
  assert.deepEqual(drain(), [0x1c]);
});

test("no IRQ 1 while command byte bit 0 is clear", () => {
  const { kbc, irq1, command, drain } = rig();
  command(0x60, 0x60);
  kbc.sendScancodes([0x1e]);
  assert.equal(irq1.level, false);
  assert.deepEqual(drain(), [0x1e]);
});

test("A20 through the output port: 0xD1 with 0xDD/0xDF, 0xD0 reads it back; 0xDD/0xDF commands", () => {
  const { kbc, command, a20Calls, resets } = rig();
  assert.equal(kbc.a20, true);
  assert.deepEqual(command(0xd0), [0xcf]);
  command(0xd1, 0xdd);
  assert.deepEqual(a20Calls, [false]);
  assert.equal(kbc.a20, false);
  assert.deepEqual(command(0xd0), [0xcd]);
  command(0xd1, 0xdf);
  assert.deepEqual(a20Calls, [false, true]);
  command(0xdd);
  command(0xdf);
  assert.deepEqual(a20Calls, [false, true, false, true]);
  assert.equal(resets(), 0);
});

test("output port bit 4 shows a full keyboard output buffer", () => {
  const { bus } = rig();
  bus.out(0x64, 0xd2);
  bus.out(0x60, 0x42);
  bus.out(0x64, 0xd0);
  assert.equal(bus.in(0x60), 0x42, "0xD2 echoes as keyboard data");
  assert.equal(bus.in(0x60), 0xdf, "output port read while the 0x42 byte was pending: bit 4 set");
});

test("reset: 0xFE pulses the reset line, as does writing the output port with bit 0 clear", () => {
  const { command, resets } = rig(false);
  command(0xfe);
  assert.equal(resets(), 1);
  command(0xff);
  assert.equal(resets(), 1, "0xFF pulses nothing");
  command(0xd1, 0xcc);
  assert.equal(resets(), 2);
});

test("aux loopback 0xD3: the byte comes back as aux data with IRQ 12 when enabled", () => {
  const { bus, irq1, irq12, command } = rig();
  command(0x60, 0x47 | 0x02);
  bus.out(0x64, 0xd3);
  bus.out(0x60, 0x5a);
  assert.equal(bus.in(0x64) & 0x21, 0x21, "OBF | AUXDATA");
  assert.equal(irq12.level, true);
  assert.equal(irq1.level, false);
  assert.equal(bus.in(0x60), 0x5a);
  assert.equal(irq12.level, false);
});

test("Linux's i8042_check_aux and psmouse probe against an empty aux port", () => {
  const { bus, irq12, command, drain } = rig();
  assert.deepEqual(drain(), []);
  // Loopback test.
  bus.out(0x64, 0xd3);
  bus.out(0x60, 0x5a);
  assert.ok(bus.in(0x64) & 0x20);
  assert.equal(bus.in(0x60), 0x5a);
  // Bit assignment test.
  command(0xa7);
  assert.ok(command(0x20)[0] & 0x20);
  command(0xa8);
  assert.equal(command(0x20)[0] & 0x20, 0);
  // IRQ test: enable the aux interrupt, loop 0xA5 without polling.
  const ctr = command(0x20)[0];
  command(0x60, (ctr & ~0x20) | 0x02);
  bus.out(0x64, 0xd3);
  bus.out(0x60, 0xa5);
  assert.equal(irq12.level, true);
  assert.equal(bus.in(0x64) & 0x21, 0x21);
  assert.equal(bus.in(0x60), 0xa5);
  // psmouse: 0xD4 0xF2 (get ID) reaches no device: 0xFE with the timeout bit.
  bus.out(0x64, 0xd4);
  bus.out(0x60, 0xf2);
  assert.equal(bus.in(0x64) & 0x61, 0x61, "OBF | AUXDATA | TIMEOUT");
  assert.equal(irq12.level, true);
  assert.equal(bus.in(0x60), 0xfe);
  assert.equal(bus.in(0x64) & 0x60, 0, "the flags went with the byte");
});

test("a command on port 0x64 cancels a pending data byte", () => {
  const { bus, command, drain } = rig();
  bus.out(0x64, 0x60);
  bus.out(0x64, 0xae);
  bus.out(0x60, 0xf2); // goes to the keyboard, not into the command byte
  assert.deepEqual(drain(), [0xfa, 0xab, 0x41]);
  assert.deepEqual(command(0x20), [0x61]);
});

test("reading an empty output buffer returns the last byte again", () => {
  const { bus, command } = rig();
  command(0xaa);
  assert.equal(bus.in(0x60), 0x55);
});

test("save/restore keeps queued bytes and the command byte", () => {
  const a = rig();
  a.command(0x60, 0x45);
  a.bus.out(0x60, 0xff);
  const s = JSON.parse(JSON.stringify(a.kbc.save()));
  const b = rig();
  b.kbc.restore(s);
  assert.equal(b.irq1.level, true);
  assert.deepEqual(b.drain(), [0xfa, 0xaa]);
  assert.deepEqual(b.command(0x20), [0x45]);
});
