/**
 * Comparisons and classification: FCOM/FUCOM families into C3 C2 C0,
 * FCOMI/FUCOMI into ZF PF CF (SDM vol. 2, FCOMI: OF SF AF cleared), FTST,
 * FICOM, FXAM's classes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AF, CF, SF as EF_SF, OF, PF, ZF } from "../../../../src/hw/cpu/flags.js";
import { C0, C1, C2, C3, IE, SF } from "../../../../src/hw/cpu/fpu/fpu.js";
import { asm, f64, m80, run, u32 } from "./harness.js";

const CC = C0 | C1 | C2 | C3;
const ARITH = CF | PF | AF | ZF | EF_SF | OF;

/** FCOMI ST(0)=a, ST(1)=b (FUCOMI when `quiet`): EFLAGS arithmetic bits and the FPU status. */
function fcomi(a: number, b: number, quiet: boolean): [number, number] {
  const code = quiet
    ? asm`
        dd 05 08 20 00 00       fld qword [0x2008]
        dd 05 00 20 00 00       fld qword [0x2000]
        db e9                   fucomi st0, st1
      `
    : asm`
        dd 05 08 20 00 00       fld qword [0x2008]
        dd 05 00 20 00 00       fld qword [0x2000]
        db f1                   fcomi st0, st1
      `;
  const { cpu } = run(code, { data: [...f64(a), ...f64(b)], setup: (c) => c.setEflags(OF | EF_SF | AF | 2) });
  return [cpu.eflags & ARITH, cpu.fpu.status & ~0x3800]; // without TOP
}

test("FCOMI sets ZF PF CF as the manual's table says and clears OF SF AF", () => {
  assert.deepEqual(fcomi(2, 1, false), [0, 0]);
  assert.deepEqual(fcomi(1, 2, false), [CF, 0]);
  assert.deepEqual(fcomi(-0, 0, false), [ZF, 0]);
  assert.deepEqual(fcomi(Number.NEGATIVE_INFINITY, -1e308, false), [CF, 0]);
  // Unordered: FCOMI signals #IA for a QNaN, FUCOMI does not.
  assert.deepEqual(fcomi(Number.NaN, 1, false), [ZF | PF | CF, IE]);
  assert.deepEqual(fcomi(1, Number.NaN, true), [ZF | PF | CF, 0]);
});

test("FCOMIP and FUCOMIP pop; an unmasked #IA leaves EFLAGS alone and does not pop", () => {
  const { cpu } = run(
    asm`
      dd 05 08 20 00 00       fld qword [0x2008]
      dd 05 00 20 00 00       fld qword [0x2000]
      df f1                   fcomip st0, st1
      dd 05 00 20 00 00       fld qword [0x2000]
      df e9                   fucomip st0, st1
    `,
    { data: [...f64(3), ...f64(5)] },
  );
  assert.equal(cpu.eflags & ARITH, CF);
  assert.equal(cpu.fpu.top, 7);
  const masked = run(
    asm`
      d9 2d 10 20 00 00       fldcw [0x2010]
      dd 05 08 20 00 00       fld qword [0x2008]
      dd 05 00 20 00 00       fld qword [0x2000]
      df f1                   fcomip st0, st1
    `,
    { data: [...f64(Number.NaN), ...f64(5), 0x7e, 0x03], setup: (c) => c.setEflags(2) },
  ).cpu;
  assert.equal(masked.eflags & ARITH, 0);
  assert.equal(masked.fpu.top, 6);
  assert.equal(masked.fpu.status & IE, IE);
});

/** FCOM-family condition codes after `code` with the data given. */
function cc(code: number[], data: number[]): number {
  return run(code, { data }).cpu.fpu.status & (CC | IE | SF);
}

test("FCOM/FCOMP/FCOMPP/FUCOM: C3 C2 C0 = 000 greater, 001 less, 100 equal, 111 unordered", () => {
  const fcom = asm`
    dd 05 08 20 00 00       fld qword [0x2008]
    dd 05 00 20 00 00       fld qword [0x2000]
    d8 d1                   fcom st1
  `;
  assert.equal(cc(fcom, [...f64(2), ...f64(1)]), 0);
  assert.equal(cc(fcom, [...f64(1), ...f64(2)]), C0);
  assert.equal(cc(fcom, [...f64(0), ...f64(-0)]), C3);
  assert.equal(cc(fcom, [...f64(Number.NaN), ...f64(2)]), C3 | C2 | C0 | IE);
  const fucom = asm`
    dd 05 08 20 00 00       fld qword [0x2008]
    dd 05 00 20 00 00       fld qword [0x2000]
    dd e1                   fucom st1
  `;
  assert.equal(cc(fucom, [...f64(Number.NaN), ...f64(2)]), C3 | C2 | C0);
  // A signalling NaN makes even FUCOM invalid.
  assert.equal(cc(fucom, [...u32(1), ...u32(0x7ff00000), ...f64(2)]) & IE, IE);
  const fcompp = asm`
    dd 05 08 20 00 00       fld qword [0x2008]
    dd 05 00 20 00 00       fld qword [0x2000]
    de d9                   fcompp
  `;
  const r = run(fcompp, { data: [...f64(-1), ...f64(-1)] }).cpu;
  assert.equal(r.fpu.status & CC, C3);
  assert.equal(r.fpu.top, 0);
  const fucompp = asm`
    dd 05 08 20 00 00       fld qword [0x2008]
    dd 05 00 20 00 00       fld qword [0x2000]
    da e9                   fucompp
  `;
  assert.equal(run(fucompp, { data: [...f64(-1), ...f64(4)] }).cpu.fpu.status & CC, C0);
});

test("FCOM with memory operands and FICOM, FTST", () => {
  const code = asm`
    dd 05 00 20 00 00       fld qword [0x2000]
    d8 15 08 20 00 00       fcom dword [0x2008]
    dd 3d 00 21 00 00       fnstsw [0x2100]
    da 15 0c 20 00 00       ficom dword [0x200c]
    dd 3d 02 21 00 00       fnstsw [0x2102]
    de 15 10 20 00 00       ficom word [0x2010]
    dd 3d 04 21 00 00       fnstsw [0x2104]
    d9 e4                   ftst
    dd 3d 06 21 00 00       fnstsw [0x2106]
  `;
  // ST(0) = -1.5 against 0.5f, -2 (int32), -1 (int16) and 0.
  const { cpu } = run(code, { data: [...f64(-1.5), 0, 0, 0, 0x3f, ...u32(-2 >>> 0), 0xff, 0xff] });
  const sw = (a: number) => (cpu.bus.ram[a] | (cpu.bus.ram[a + 1] << 8)) & CC;
  assert.equal(sw(0x2100), C0);
  assert.equal(sw(0x2102), 0);
  assert.equal(sw(0x2104), C0);
  assert.equal(sw(0x2106), C0);
});

test("comparisons of 64-bit integers beyond 2^53 are exact: 2^63-1 > 2^63-2", () => {
  const { cpu } = run(
    asm`
      df 2d 08 20 00 00       fild qword [0x2008]
      df 2d 00 20 00 00       fild qword [0x2000]
      db f1                   fcomi st0, st1
    `,
    { data: [...u32(0xffffffff), ...u32(0x7fffffff), ...u32(0xfffffffe), ...u32(0x7fffffff)] },
  );
  assert.equal(cpu.eflags & (ZF | CF), 0);
});

test("compare with an empty register: #IS, masked result unordered, C1 = 0", () => {
  const { cpu } = run(asm`
    d9 e8                   fld1
    d8 d1                   fcom st1
  `);
  assert.equal(cpu.fpu.status & (CC | IE | SF), C3 | C2 | C0 | IE | SF);
});

test("FXAM classes: C3 C2 C0 and the sign in C1", () => {
  const fxam = (bytes: number[]): number =>
    run(
      asm`
        db 2d 00 20 00 00       fld tword [0x2000]
        d9 e5                   fxam
      `,
      { data: bytes },
    ).cpu.fpu.status & CC;
  assert.equal(fxam(m80(0x0000, "0000000000000000")), C3); // +0
  assert.equal(fxam(m80(0x8000, "0000000000000000")), C3 | C1); // -0
  assert.equal(fxam(m80(0xbfff, "8000000000000000")), C2 | C1); // -1: normal
  assert.equal(fxam(m80(0x7fff, "8000000000000000")), C2 | C0); // +∞
  assert.equal(fxam(m80(0xffff, "C000000000000000")), C0 | C1); // the indefinite: NaN
  assert.equal(fxam(m80(0x0000, "0000000000000001")), C3 | C2); // denormal
  assert.equal(fxam(m80(0x4000, "4000000000000000")), 0); // unnormal: unsupported
  const empty =
    run(asm`
    d9 e5                   fxam
  `).cpu.fpu.status & CC;
  assert.equal(empty, C3 | C0);
});
