import assert from "node:assert/strict";
import { test } from "node:test";
import { Uart } from "../../../src/hw/devices/uart.js";
import { FakeClock, RecordingLine, TestBus } from "./harness.js";

const COM1 = 0x3f8;
const RBR = COM1;
const IER = COM1 + 1;
const IIR = COM1 + 2;
const FCR = COM1 + 2;
const LCR = COM1 + 3;
const MCR = COM1 + 4;
const LSR = COM1 + 5;
const MSR = COM1 + 6;
const SCR = COM1 + 7;

function rig() {
  const clock = new FakeClock(1_000_000_000);
  const irq = new RecordingLine();
  const sent: number[] = [];
  const uart = new Uart(COM1, irq, (b) => sent.push(b), clock);
  const bus = new TestBus(uart);
  return { uart, bus, clock, irq, sent };
}

test("reset values: IIR 0x01, LSR 0x60, MSR CTS|DSR|DCD, IER/LCR/MCR 0", () => {
  const { bus } = rig();
  assert.equal(bus.in(IIR), 0x01);
  assert.equal(bus.in(LSR), 0x60);
  assert.equal(bus.in(MSR), 0xb0);
  assert.equal(bus.in(IER), 0);
  assert.equal(bus.in(LCR), 0);
  assert.equal(bus.in(MCR), 0);
});

test("8250 autoconfig: IER existence test and scratch register", () => {
  const { bus } = rig();
  bus.out(IER, 0);
  assert.equal(bus.in(IER) & 0x0f, 0);
  bus.out(IER, 0x0f);
  assert.equal(bus.in(IER) & 0x0f, 0x0f);
  bus.out(IER, 0xff);
  assert.equal(bus.in(IER), 0x0f, "bits 7-4 read 0 (no UUE bit: not an XScale)");
  bus.out(SCR, 0xa5);
  assert.equal(bus.in(SCR), 0xa5);
  bus.out(SCR, 0x5a);
  assert.equal(bus.in(SCR), 0x5a);
});

test("8250 autoconfig: loopback with MCR = LOOP | OUT2 | RTS reads MSR 0x90 (DCD | CTS)", () => {
  const { bus } = rig();
  bus.out(MCR, 0x10 | 0x0a);
  assert.equal(bus.in(MSR) & 0xf0, 0x90);
  bus.out(MCR, 0x1f);
  assert.equal(bus.in(MSR) & 0xf0, 0xf0);
  bus.out(MCR, 0x00);
  assert.equal(bus.in(MSR) & 0xf0, 0xb0, "back to the connected line");
});

test("8250 autoconfig: FIFO detection and the EFR / 64-byte / EXCR1 probes identify a plain 16550A", () => {
  const { bus } = rig();
  bus.out(LCR, 0xbf);
  bus.out(COM1 + 2, 0); // "EFR" write: on a 16550A this is FCR = 0
  bus.out(LCR, 0);
  bus.out(FCR, 0x01);
  assert.equal(bus.in(IIR) >> 6, 3, "16550A");
  bus.out(LCR, 0x80);
  assert.notEqual(bus.in(COM1 + 2), 0, "no EFR behind DLAB (reads IIR)");
  bus.out(LCR, 0xbf);
  assert.notEqual(bus.in(COM1 + 2), 0, "no EFR behind LCR=0xBF");
  bus.out(LCR, 0);
  bus.out(FCR, 0x21);
  assert.equal(bus.in(IIR) & 0xe0, 0xc0, "no 64-byte FIFO (IIR bit 5 clear)");
  bus.out(LCR, 0x80);
  bus.out(FCR, 0x21);
  assert.equal(bus.in(IIR) & 0xe0, 0xc0, "not a 16750 either");
  bus.out(LCR, 0);
  // National SuperIO probe: EXCR1 at offset 2 with LCR=0xE0 must not track MCR.LOOP.
  const mcr = bus.in(MCR);
  bus.out(LCR, 0xe0);
  const excr = bus.in(COM1 + 2);
  assert.equal((excr ^ mcr) & 0x10, 0);
  bus.out(LCR, 0);
});

test("size_fifo: 256 bytes sent in loopback at divisor 1 leave 16 in the receiver, the rest overrun", () => {
  const { bus, sent } = rig();
  bus.out(LCR, 0);
  bus.out(FCR, 0x07);
  bus.out(MCR, 0x10);
  bus.out(LCR, 0x80);
  bus.out(RBR, 0x01);
  bus.out(IER, 0x00);
  bus.out(LCR, 0x03);
  for (let i = 0; i < 256; i++) bus.out(RBR, i);
  let count = 0;
  const got: number[] = [];
  let lsr = 0;
  while (count < 256 && (lsr = bus.in(LSR)) & 0x01) {
    got.push(bus.in(RBR));
    count++;
  }
  assert.equal(count, 16);
  assert.deepEqual(
    got,
    Array.from({ length: 16 }, (_, i) => i),
  );
  assert.deepEqual(sent, [], "loopback sends nothing to the line");
  assert.equal(lsr & 0x01, 0);
});

test("overrun sets LSR.OE once, cleared by reading LSR", () => {
  const { bus } = rig();
  bus.out(FCR, 0x01);
  bus.out(MCR, 0x10);
  for (let i = 0; i < 17; i++) bus.out(RBR, i);
  assert.equal(bus.in(LSR) & 0x63, 0x63, "DR | OE | THRE | TEMT");
  assert.equal(bus.in(LSR) & 0x02, 0);
});

test("16450 mode (FIFO off): one holding register; an overrun replaces the character", () => {
  const { bus } = rig();
  bus.out(LCR, 0x03); // 8 bits (the reset value 0 means 5-bit characters)
  bus.out(MCR, 0x10);
  bus.out(RBR, 0x41);
  bus.out(RBR, 0x42);
  assert.equal(bus.in(LSR) & 0x03, 0x03);
  assert.equal(bus.in(RBR), 0x42);
  assert.equal(bus.in(LSR) & 0x01, 0);
  assert.equal(bus.in(IIR) & 0xc0, 0, "IIR bits 7-6 are 0 without FIFOs");
});

test("THRE interrupt the way serial8250_do_startup probes it (no UART_BUG_THRE, no UART_BUG_TXEN)", () => {
  const { bus, irq } = rig();
  bus.out(FCR, 0x87);
  bus.out(MCR, 0x0b); // DTR | RTS | OUT2
  // TXEN test.
  bus.out(IER, 0x02);
  const lsr = bus.in(LSR);
  let iir = bus.in(IIR);
  bus.out(IER, 0);
  assert.equal(lsr & 0x40, 0x40);
  assert.equal(iir, 0xc2, "THRE pending with FIFOs enabled");
  // THRE re-assertion test.
  bus.out(IER, 0x02);
  const iir1 = bus.in(IIR);
  bus.out(IER, 0);
  bus.out(IER, 0x02);
  iir = bus.in(IIR);
  bus.out(IER, 0);
  assert.equal(iir1, 0xc2);
  assert.equal(iir, 0xc2, "setting ETBEI again re-asserts THRE");
  assert.ok(irq.rises >= 2);
  assert.equal(irq.level, false);
});

test("reading IIR clears a reported THRE; writing THR transmits at once and re-raises it", () => {
  const { bus, irq, sent } = rig();
  bus.out(LCR, 0x03);
  bus.out(MCR, 0x08);
  bus.out(IER, 0x02);
  assert.equal(irq.level, true);
  assert.equal(bus.in(IIR), 0x02);
  assert.equal(irq.level, false);
  assert.equal(bus.in(IIR), 0x01);
  const rises = irq.rises;
  bus.out(RBR, 0x68);
  bus.out(RBR, 0x69);
  assert.deepEqual(sent, [0x68, 0x69]);
  assert.equal(irq.level, true);
  assert.equal(irq.rises, rises + 1);
  assert.equal(bus.in(LSR) & 0x60, 0x60);
});

test("OUT2 gates the IRQ line; loopback disconnects it", () => {
  const { bus, irq } = rig();
  bus.out(IER, 0x02);
  assert.equal(bus.in(IIR), 0x02);
  bus.out(IER, 0);
  bus.out(IER, 0x02);
  assert.equal(irq.level, false, "OUT2 clear");
  bus.out(MCR, 0x08);
  assert.equal(irq.level, true);
  bus.out(MCR, 0x18);
  assert.equal(irq.level, false, "loopback");
});

test("IIR priorities: line status > received data > THR empty > modem status", () => {
  const { bus } = rig();
  bus.out(FCR, 0x01); // FIFO, trigger 1
  bus.out(MCR, 0x10); // loopback: delta bits appear when the looped outputs change
  bus.out(IER, 0x0f);
  for (let i = 0; i < 17; i++) bus.out(RBR, i);
  bus.out(MCR, 0x13); // DTR, RTS change: DDSR, DCTS
  assert.equal(bus.in(IIR), 0xc6, "overrun");
  assert.equal(bus.in(IIR), 0xc6, "IIR does not clear line status");
  bus.in(LSR);
  assert.equal(bus.in(IIR), 0xc4, "data available");
  for (let i = 0; i < 16; i++) bus.in(RBR);
  assert.equal(bus.in(IIR), 0xc2, "THR empty");
  assert.equal(bus.in(IIR), 0xc0, "modem status: THRE was cleared by the previous read");
  // CTS and DSR now follow RTS and DTR; DCD fell when loopback began (OUT2 clear).
  assert.equal(bus.in(MSR), 0x3b, "CTS | DSR, DDCD | DDSR | DCTS");
  assert.equal(bus.in(IIR), 0xc1);
});

test("received data interrupt at the FIFO trigger level (4)", () => {
  const { uart, bus, irq } = rig();
  bus.out(FCR, 0x41);
  bus.out(MCR, 0x0a); // RTS | OUT2
  bus.out(IER, 0x01);
  uart.receive([1, 2, 3]);
  assert.equal(bus.in(IIR), 0xc1);
  assert.equal(irq.level, false);
  uart.receive([4]);
  assert.equal(bus.in(IIR), 0xc4);
  assert.equal(irq.level, true);
  bus.in(RBR);
  assert.equal(irq.level, false, "below the trigger again");
});

test("character timeout: 4 character times (9600 8N1: 4.1667 ms) after the last FIFO activity", () => {
  const { uart, bus, clock, irq } = rig();
  bus.out(LCR, 0x80);
  bus.outs(RBR, 12);
  bus.out(IER, 0);
  bus.out(LCR, 0x03);
  bus.out(FCR, 0x81); // trigger 8
  bus.out(MCR, 0x0a); // RTS | OUT2
  bus.out(IER, 0x01);
  clock.t = 1000;
  uart.receive([0x61, 0x62, 0x63]);
  // 4 × 10 bits × 16 × 12 clocks of 1.8432 MHz = 7680 clocks = 4166666.67 ns.
  const due = 1000 + 4_166_667;
  assert.equal(uart.tick(clock.t), due);
  clock.t = due - 1;
  uart.tick(clock.t);
  assert.equal(irq.level, false);
  assert.equal(bus.in(IIR), 0xc1);
  clock.t = due;
  uart.tick(clock.t);
  assert.equal(irq.level, true);
  assert.equal(bus.in(IIR), 0xcc);
  assert.equal(bus.in(RBR), 0x61);
  assert.equal(bus.in(IIR), 0xc1, "reading RBR restarts the timer");
  assert.equal(irq.level, false);
  clock.t += 4_166_667;
  assert.equal(bus.in(IIR), 0xcc);
  bus.in(RBR);
  bus.in(RBR);
  clock.t += 10_000_000;
  assert.equal(bus.in(IIR), 0xc1, "an empty FIFO times out no more");
});

test("host input is never dropped: it waits on our side while the FIFO is full", () => {
  const { uart, bus } = rig();
  bus.out(FCR, 0xc1);
  bus.out(MCR, 0x02); // RTS
  const text = Array.from({ length: 40 }, (_, i) => 0x30 + i);
  assert.equal(uart.wantsInput, true);
  uart.receive(text);
  assert.equal(uart.wantsInput, false);
  const got: number[] = [];
  while (bus.in(LSR) & 0x01) got.push(bus.in(RBR));
  assert.deepEqual(got, text);
  assert.equal(uart.wantsInput, true);
  assert.equal(bus.in(LSR) & 0x02, 0, "no overrun");
});

test("host input is held back during loopback and delivered after it", () => {
  const { uart, bus } = rig();
  bus.out(FCR, 0x01);
  bus.out(MCR, 0x10);
  uart.receive([0x7a]);
  assert.equal(bus.in(LSR) & 0x01, 0);
  bus.out(MCR, 0x02);
  assert.equal(bus.in(RBR), 0x7a);
});

test("hardware flow control: host input waits until the guest asserts RTS", () => {
  const { uart, bus } = rig();
  bus.out(FCR, 0x01);
  uart.receive([0x68, 0x69]);
  assert.equal(bus.in(LSR) & 0x01, 0, "nothing arrives while RTS is off (before the driver opens the port)");
  bus.out(FCR, 0x07); // a driver's FIFO reset loses nothing
  bus.out(MCR, 0x03); // DTR | RTS
  assert.equal(bus.in(RBR), 0x68);
  assert.equal(bus.in(RBR), 0x69);
});

test("FCR bit 1 clears the receive FIFO; changing bit 0 clears both", () => {
  const { bus } = rig();
  bus.out(FCR, 0x01);
  bus.out(MCR, 0x10);
  bus.outs(RBR, 1, 2, 3);
  bus.out(FCR, 0x03);
  assert.equal(bus.in(LSR) & 0x01, 0);
  bus.outs(RBR, 4, 5);
  bus.out(FCR, 0x00);
  assert.equal(bus.in(LSR) & 0x01, 0);
});

test("divisor latch behind DLAB; word length masks transmitted bits", () => {
  const { bus, sent } = rig();
  bus.out(IER, 0x05);
  bus.out(LCR, 0x80);
  bus.out(RBR, 0x01);
  bus.out(IER, 0x02);
  assert.equal(bus.in(RBR), 0x01);
  assert.equal(bus.in(IER), 0x02);
  bus.out(LCR, 0x02); // 7 bits
  assert.equal(bus.in(IER), 0x05);
  bus.out(RBR, 0xc1);
  bus.out(LCR, 0x00); // 5 bits
  bus.out(RBR, 0xff);
  assert.deepEqual(sent, [0x41, 0x1f]);
});

test("modem status interrupt and trailing-edge RI in loopback", () => {
  const { bus } = rig();
  bus.out(MCR, 0x14); // loop, OUT1 -> RI
  bus.in(MSR);
  bus.out(IER, 0x08);
  bus.out(MCR, 0x10); // RI falls
  assert.equal(bus.in(IIR), 0x00);
  assert.equal(bus.in(MSR), 0x04, "TERI");
  assert.equal(bus.in(IIR), 0x01);
});

test("16-bit reads split into byte registers", () => {
  const { bus } = rig();
  bus.out(LCR, 0x03);
  bus.out(MCR, 0x0b);
  assert.equal(bus.in(LCR, 2), 0x0b03);
});

test("save/restore keeps FIFO contents, registers and queued host input", () => {
  const a = rig();
  a.bus.out(FCR, 0x01);
  a.bus.out(LCR, 0x03);
  a.bus.out(SCR, 0x77);
  a.bus.out(MCR, 0x02); // RTS
  a.uart.receive(Array.from({ length: 20 }, (_, i) => i));
  const s = JSON.parse(JSON.stringify(a.uart.save()));
  const b = rig();
  b.uart.restore(s);
  assert.equal(b.bus.in(SCR), 0x77);
  assert.equal(b.bus.in(LCR), 0x03);
  const got: number[] = [];
  while (b.bus.in(LSR) & 0x01) got.push(b.bus.in(RBR));
  assert.deepEqual(
    got,
    Array.from({ length: 20 }, (_, i) => i),
  );
});
