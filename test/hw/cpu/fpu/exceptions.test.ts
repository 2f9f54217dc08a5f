/**
 * The x87 exception model: #NM from CR0.EM/TS/MP (SDM vol. 3, table 2-2),
 * stack faults with their masked responses (SDM vol. 1, 8.5.1.1), unmasked
 * exceptions delivered as #MF at the next waiting instruction (8.7) or
 * through FERR# when CR0.NE = 0, #UD, and precise faulting stores.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CR0_EM, CR0_MP, CR0_NE, CR0_TS, DS } from "../../../../src/hw/cpu/cpu.js";
import { Vec } from "../../../../src/hw/cpu/fault.js";
import { B, C1, ES, IE, SF, ZE } from "../../../../src/hw/cpu/fpu/fpu.js";
import { asm, CODE, f64, hexAt, run, u16 } from "./harness.js";

const FLAGS = 0x7f | C1 | ES | B;

test("#NM: any x87 instruction with CR0.TS or CR0.EM; FWAIT only with MP and TS both set", () => {
  const fld1 = asm`
    d9 e8                   fld1
  `;
  for (const bits of [CR0_TS, CR0_EM, CR0_EM | CR0_TS]) {
    const { cpu, fault } = run(fld1, { setup: (c) => (c.cr0 |= bits) });
    assert.equal(fault?.vector, Vec.NM);
    assert.equal(cpu.eip, CODE);
    assert.equal(cpu.fpu.top, 0);
  }
  const fwait = asm`
    9b                      fwait
  `;
  assert.equal(run(fwait, { setup: (c) => (c.cr0 |= CR0_TS) }).fault, null);
  assert.equal(run(fwait, { setup: (c) => (c.cr0 |= CR0_EM | CR0_MP) }).fault, null);
  assert.equal(run(fwait, { setup: (c) => (c.cr0 |= CR0_MP | CR0_TS) }).fault?.vector, Vec.NM);
});

test("stack underflow: the destination gets the indefinite, IE|SF with C1 = 0", () => {
  const { cpu } = run(asm`
    d9 e8                   fld1
    d8 c1                   fadd st0, st1
    dd 1d 00 21 00 00       fstp qword [0x2100]
  `);
  assert.equal(hexAt(cpu, 0x2100, 8), "FFF8000000000000");
  assert.equal(cpu.fpu.status & FLAGS, IE | SF);
});

test("stack overflow: the ninth push gives the indefinite with IE|SF and C1 = 1", () => {
  const { cpu } = run(asm`
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 ee                   fldz
    dd 15 00 21 00 00       fst qword [0x2100]
  `);
  assert.equal(hexAt(cpu, 0x2100, 8), "FFF8000000000000");
  // FST clears C1 again; look at the state right after the overflow instead.
  const at = run(asm`
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 e8                   fld1
    d9 ee                   fldz
  `).cpu;
  assert.equal(at.fpu.status & FLAGS, IE | SF | C1);
  assert.equal(at.fpu.top, 7);
});

test("unmasked stack fault: nothing changes, ES and B are set, the next waiting instruction takes #MF (CR0.NE = 1)", () => {
  const { cpu, fault } = run(
    asm`
      d9 2d 00 20 00 00       fldcw [0x2000]
      d9 e8                   fld1
      d8 c1                   fadd st0, st1
      dd 3d 00 21 00 00       fnstsw [0x2100]
      d9 e8                   fld1
    `,
    { data: u16(0x037e), setup: (c) => (c.cr0 |= CR0_NE) },
  );
  assert.equal(fault?.vector, Vec.MF);
  assert.equal(cpu.eip, CODE + 6 + 2 + 2 + 6); // at the second FLD1
  assert.equal(cpu.bus.ram[0x2100] & 0xff, 0xc1); // FNSTSW did not wait: ES | SF | IE
  assert.equal(cpu.fpu.top, 7); // FADD left the stack alone, the faulting FLD1 did not push
  assert.equal(cpu.fpu.st[7], 1);
});

test("unmasked #Z: ST(0) unchanged; FNCLEX clears it so FWAIT passes", () => {
  const { cpu, fault } = run(
    asm`
      d9 2d 00 20 00 00       fldcw [0x2000]
      d9 e8                   fld1
      d8 35 08 20 00 00       fdiv dword [0x2008]
      db e2                   fnclex
      9b                      fwait
      dd 1d 00 21 00 00       fstp qword [0x2100]
    `,
    { data: [...u16(0x037b), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], setup: (c) => (c.cr0 |= CR0_NE) },
  );
  assert.equal(fault, null);
  assert.equal(hexAt(cpu, 0x2100, 8), "3FF0000000000000");
  assert.equal(cpu.fpu.status & FLAGS, 0);
});

test("FLDCW unmasking a pending flag makes the next FWAIT (or FINIT's wait) raise #MF", () => {
  const { fault, cpu } = run(
    asm`
      d9 e8                   fld1
      d8 35 08 20 00 00       fdiv dword [0x2008]
      d9 2d 00 20 00 00       fldcw [0x2000]
      9b db e3                finit
    `,
    { data: [...u16(0x037b), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], setup: (c) => (c.cr0 |= CR0_NE) },
  );
  assert.equal(fault?.vector, Vec.MF);
  assert.equal(cpu.fpu.status & (ZE | ES), ZE | ES);
});

test("with CR0.NE = 0 a pending exception asserts FERR# (onFerr) instead of #MF", () => {
  let ferr = 0;
  const { fault, cpu } = run(
    asm`
      d9 2d 00 20 00 00       fldcw [0x2000]
      d9 e8                   fld1
      d8 35 08 20 00 00       fdiv dword [0x2008]
      9b                      fwait
      d9 e8                   fld1
    `,
    {
      data: [...u16(0x037b), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      setup: (c) => {
        c.fpu.onFerr = () => ferr++;
      },
    },
  );
  assert.equal(fault, null);
  assert.equal(ferr, 2); // at FWAIT and again at FLD1
  assert.equal(cpu.fpu.top, 6);
});

test("#UD: undefined escape encodings, FISTTP (SSE3), and LOCK", () => {
  for (const code of [
    [0xd9, 0xd1], // D9 D1: undefined
    [0xdb, 0x0d, 0x00, 0x20, 0x00, 0x00], // fisttp dword [0x2000]
    [0xf0, 0xd9, 0xe8], // lock fld1
    [0xdf, 0xe1], // DF E1: undefined
  ]) {
    assert.equal(run(code).fault?.vector, Vec.UD, code.map((b) => b.toString(16)).join(" "));
  }
});

test("a faulting FSTP m64 stores nothing and does not pop", () => {
  const { cpu, fault } = run(
    asm`
      dd 05 00 20 00 00       fld qword [0x2000]
      dd 1d fc 20 00 00       fstp qword [0x20fc]
    `,
    {
      data: f64(2),
      // DS limit 0x20FF: the 8-byte store at 0x20FC crosses it.
      setup: (c) => c.setSegCache(DS, 0x10, 0, 0x20ff, c.segAttr[DS] & ~0x800),
    },
  );
  assert.equal(fault?.vector, Vec.GP);
  assert.equal(hexAt(cpu, 0x20fc, 4), "00000000");
  assert.equal(cpu.fpu.top, 7);
  assert.equal(cpu.fpu.status & FLAGS, 0);
});

test("power-on state: CW 0040, TW 5555 (registers +0, valid zero tags), SW 0", () => {
  const { cpu } = run(
    asm`
      d9 35 00 21 00 00       fnstenv [0x2100]
    `,
    { noInit: true },
  );
  assert.equal(hexAt(cpu, 0x2100, 2), "0040");
  assert.equal(hexAt(cpu, 0x2104, 2), "0000");
  assert.equal(hexAt(cpu, 0x2108, 2), "5555");
});
