/**
 * Arithmetic and the other computational instructions: special operands
 * (SDM vol. 1, 4.8.3 and table 4-7), FPREM/FPREM1 quotient bits, FSCALE,
 * FXTRACT, FSQRT, and the transcendentals (values from Unicorn, whose
 * FSIN/FCOS/FPTAN/FPATAN/FYL2X go through the host's double libm).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { C0, C1, C2, C3, IE, PE, ZE } from "../../../../src/hw/cpu/fpu/fpu.js";
import { asm, f64, f64At, hexAt, run, u16At, u32 } from "./harness.js";

const CC = C0 | C1 | C2 | C3;

/** FPREM (or FPREM1) of ST(0) = a by ST(1) = b: the remainder and C0 C1 C2 C3. */
function fprem(a: number, b: number, ieee: boolean): [number, number] {
  const code = ieee
    ? asm`
        dd 05 08 20 00 00       fld qword [0x2008]
        dd 05 00 20 00 00       fld qword [0x2000]
        d9 f5                   fprem1
        dd 3d 08 21 00 00       fnstsw [0x2108]
        dd 15 00 21 00 00       fst qword [0x2100]
      `
    : asm`
        dd 05 08 20 00 00       fld qword [0x2008]
        dd 05 00 20 00 00       fld qword [0x2000]
        d9 f8                   fprem
        dd 3d 08 21 00 00       fnstsw [0x2108]
        dd 15 00 21 00 00       fst qword [0x2100]
      `;
  const { cpu } = run(code, { data: [...f64(a), ...f64(b)] });
  return [f64At(cpu, 0x2100), u16At(cpu, 0x2108) & CC]; // status before FST clears C1
}

test("FPREM: remainder with the dividend's sign, quotient bits Q2 Q1 Q0 in C0 C3 C1", () => {
  assert.deepEqual(fprem(17, 5, false), [2, C3 | C1]); // Q = 3 = 011
  assert.deepEqual(fprem(23, 5, false), [3, C0]); // Q = 4 = 100
  assert.deepEqual(fprem(-17, 5, false), [-2, C3 | C1]);
  assert.deepEqual(fprem(39, 5, false), [4, C0 | C3 | C1]); // Q = 7
  assert.deepEqual(fprem(40, 5, false), [0, 0]); // Q = 8: low bits 000
  assert.deepEqual(fprem(1.5, 4, false), [1.5, 0]);
  assert.deepEqual(fprem(5.5, 0.5, false), [0, C3 | C1]); // Q = 11 = 1011b: Q2 Q1 Q0 = 011
});

test("FPREM1: IEEE remainder, quotient rounded to nearest even", () => {
  assert.deepEqual(fprem(17, 5, true), [2, C3 | C1]); // 3.4 → 3
  assert.deepEqual(fprem(18, 5, true), [-2, C0]); // 3.6 → 4
  assert.deepEqual(fprem(7.5, 5, true), [-2.5, C3]); // 1.5 → 2
  assert.deepEqual(fprem(12.5, 5, true), [2.5, C3]); // 2.5 → 2
});

test("FPREM with a huge exponent difference reduces partially (C2 = 1) until done: 1e300 mod 7 = 1, mod 0.1", () => {
  for (const [y, want] of [
    [7, 1],
    [0.1, 0.00011215964963492975], // exact fmod, checked with Python fractions
  ]) {
    const { cpu } = run(
      asm`
        dd 05 08 20 00 00       fld qword [0x2008]
        dd 05 00 20 00 00       fld qword [0x2000]
        d9 f8                   again: fprem
        df e0                   fnstsw ax
        9e                      sahf
        7a f9                   jp again (C2 is PF)
        dd 1d 00 21 00 00       fstp qword [0x2100]
      `,
      { data: [...f64(1e300), ...f64(y)] },
    );
    assert.equal(f64At(cpu, 0x2100), want);
    assert.equal(cpu.fpu.status & C2, 0);
  }
  const once = run(
    asm`
      dd 05 08 20 00 00       fld qword [0x2008]
      dd 05 00 20 00 00       fld qword [0x2000]
      d9 f8                   fprem
    `,
    { data: [...f64(1e300), ...f64(7)] },
  );
  assert.equal(once.cpu.fpu.status & C2, C2);
});

test("FPREM of ∞ or by 0 is invalid; of a finite number by ∞ leaves it", () => {
  const { cpu } = run(
    asm`
      d9 ee                   fldz
      dd 05 00 20 00 00       fld qword [0x2000]
      d9 f8                   fprem
      dd 1d 00 21 00 00       fstp qword [0x2100]
    `,
    { data: f64(5) },
  );
  assert.equal(hexAt(cpu, 0x2100, 8), "FFF8000000000000");
  assert.equal(cpu.fpu.status & IE, IE);
  assert.deepEqual(fprem(5, Number.POSITIVE_INFINITY, false), [5, 0]);
});

test("special operands: x/0 → ∞ with ZE, 0/0 and ∞−∞ and √−1 → the indefinite with IE, √−0 = −0", () => {
  const div = run(
    asm`
      dd 05 00 20 00 00       fld qword [0x2000]
      dc 35 08 20 00 00       fdiv qword [0x2008]
      dd 1d 00 21 00 00       fstp qword [0x2100]
    `,
    { data: [...f64(-1), ...f64(0)] },
  ).cpu;
  assert.equal(hexAt(div, 0x2100, 8), "FFF0000000000000");
  assert.equal(div.fpu.status & 0x3f, ZE);
  const invalid = run(
    asm`
      d9 ee                   fldz
      dc f8                   fdiv st0, st0
      dd 1d 00 21 00 00       fstp qword [0x2100]
      dd 05 00 20 00 00       fld qword [0x2000]
      dc e8                   fsub st0, st0
      dd 1d 08 21 00 00       fstp qword [0x2108]
      d9 e8                   fld1
      d9 e0                   fchs
      d9 fa                   fsqrt
      dd 1d 10 21 00 00       fstp qword [0x2110]
      d9 ee                   fldz
      d9 e0                   fchs
      d9 fa                   fsqrt
      dd 1d 18 21 00 00       fstp qword [0x2118]
    `,
    { data: f64(Number.POSITIVE_INFINITY) },
  ).cpu;
  assert.equal(hexAt(invalid, 0x2100, 8), "FFF8000000000000");
  assert.equal(hexAt(invalid, 0x2108, 8), "FFF8000000000000");
  assert.equal(hexAt(invalid, 0x2110, 8), "FFF8000000000000");
  assert.equal(hexAt(invalid, 0x2118, 8), "8000000000000000");
  assert.equal(invalid.fpu.status & 0x3f, IE);
});

test("NaN operands: two QNaNs give the larger significand; a QNaN beats an SNaN; an SNaN is quietened with IE", () => {
  const qa = [...u32(1), ...u32(0x7ff80000)];
  const qb = [...u32(2), ...u32(0xfff80000)];
  const sn = [...u32(3), ...u32(0x7ff00000)];
  const code = asm`
    dd 05 00 20 00 00       fld qword [0x2000]
    dc 05 08 20 00 00       fadd qword [0x2008]
    dd 1d 00 21 00 00       fstp qword [0x2100]
    dd 05 00 20 00 00       fld qword [0x2000]
    dc 0d 10 20 00 00       fmul qword [0x2010]
    dd 1d 08 21 00 00       fstp qword [0x2108]
    d9 e8                   fld1
    dc 35 10 20 00 00       fdiv qword [0x2010]
    dd 1d 10 21 00 00       fstp qword [0x2110]
  `;
  const { cpu } = run(code, { data: [...qa, ...qb, ...sn] });
  assert.equal(hexAt(cpu, 0x2100, 8), "FFF8000000000002");
  assert.equal(hexAt(cpu, 0x2108, 8), "7FF8000000000001");
  assert.equal(hexAt(cpu, 0x2110, 8), "7FF8000000000003");
  assert.equal(cpu.fpu.status & 0x3f, IE);
});

test("x − x is +0, but −0 when rounding down (IEEE 754)", () => {
  const { cpu } = run(
    asm`
      dd 05 00 20 00 00       fld qword [0x2000]
      dc 25 00 20 00 00       fsub qword [0x2000]
      dd 1d 00 21 00 00       fstp qword [0x2100]
      d9 2d 08 20 00 00       fldcw [0x2008]
      dd 05 00 20 00 00       fld qword [0x2000]
      dc 25 00 20 00 00       fsub qword [0x2000]
      dd 1d 08 21 00 00       fstp qword [0x2108]
    `,
    { data: [...f64(1.25), 0x7f, 0x07] },
  );
  assert.equal(hexAt(cpu, 0x2100, 8), "0000000000000000");
  assert.equal(hexAt(cpu, 0x2108, 8), "8000000000000000");
});

test("FSCALE, FXTRACT, FCHS, FABS", () => {
  const { cpu } = run(
    asm`
      dd 05 00 20 00 00       fld qword [0x2000]
      dd 05 08 20 00 00       fld qword [0x2008]
      d9 fd                   fscale
      dd 1d 00 21 00 00       fstp qword [0x2100]
      dd d8                   fstp st0
      dd 05 10 20 00 00       fld qword [0x2010]
      d9 f4                   fxtract
      dd 1d 08 21 00 00       fstp qword [0x2108]
      dd 1d 10 21 00 00       fstp qword [0x2110]
      dd 05 10 20 00 00       fld qword [0x2010]
      d9 e1                   fabs
      d9 e0                   fchs
      d9 e0                   fchs
      dd 1d 18 21 00 00       fstp qword [0x2118]
    `,
    { data: [...f64(-2.9), ...f64(3), ...f64(-20)] },
  );
  assert.equal(f64At(cpu, 0x2100), 0.75); // 3 · 2^trunc(−2.9)
  assert.equal(f64At(cpu, 0x2108), -1.25); // significand of −20
  assert.equal(f64At(cpu, 0x2110), 4); // exponent of −20
  assert.equal(f64At(cpu, 0x2118), 20);
  assert.equal(cpu.fpu.top, 0);
  const zero = run(asm`
    d9 ee                   fldz
    d9 f4                   fxtract
    dd 1d 00 21 00 00       fstp qword [0x2100]
    dd 1d 08 21 00 00       fstp qword [0x2108]
  `).cpu;
  assert.equal(hexAt(zero, 0x2100, 8), "0000000000000000");
  assert.equal(hexAt(zero, 0x2108, 8), "FFF0000000000000");
  assert.equal(zero.fpu.status & ZE, ZE);
});

test("transcendentals match Unicorn: sin 1, cos 1, sincos 0.5, tan 0.5, 2^0.5−1, atan2(3, 0.25), 3·log2 0.25, 3·log2 1.25", () => {
  const { cpu } = run(
    asm`
      d9 e8                   fld1
      d9 fe                   fsin
      dd 1d 00 21 00 00       fstp qword [0x2100]
      d9 e8                   fld1
      d9 ff                   fcos
      dd 1d 08 21 00 00       fstp qword [0x2108]
      dd 05 00 20 00 00       fld qword [0x2000]
      d9 fb                   fsincos
      dd 1d 10 21 00 00       fstp qword [0x2110]
      dd 1d 18 21 00 00       fstp qword [0x2118]
      dd 05 00 20 00 00       fld qword [0x2000]
      d9 f2                   fptan
      dd 1d 20 21 00 00       fstp qword [0x2120]
      dd 1d 28 21 00 00       fstp qword [0x2128]
      dd 05 00 20 00 00       fld qword [0x2000]
      d9 f0                   f2xm1
      dd 1d 30 21 00 00       fstp qword [0x2130]
      dd 05 08 20 00 00       fld qword [0x2008]
      dd 05 10 20 00 00       fld qword [0x2010]
      d9 f3                   fpatan
      dd 1d 38 21 00 00       fstp qword [0x2138]
      dd 05 08 20 00 00       fld qword [0x2008]
      dd 05 10 20 00 00       fld qword [0x2010]
      d9 f1                   fyl2x
      dd 1d 40 21 00 00       fstp qword [0x2140]
      dd 05 08 20 00 00       fld qword [0x2008]
      dd 05 10 20 00 00       fld qword [0x2010]
      d9 f9                   fyl2xp1
      dd 1d 48 21 00 00       fstp qword [0x2148]
    `,
    { data: [...f64(0.5), ...f64(3), ...f64(0.25)] },
  );
  const at = (a: number) => hexAt(cpu, a, 8);
  assert.equal(at(0x2100), "3FEAED548F090CEE");
  assert.equal(at(0x2108), "3FE14A280FB5068C");
  assert.equal(at(0x2110), "3FEC1528065B7D50"); // cos 0.5 (ST(0))
  assert.equal(at(0x2118), "3FDEAEE8744B05F0"); // sin 0.5
  assert.equal(at(0x2120), "3FF0000000000000"); // FPTAN pushes 1.0
  assert.equal(at(0x2128), "3FE17B4F5BF3474A");
  assert.equal(at(0x2130), "3FDA827999FCEF34");
  assert.equal(at(0x2138), "3FF7CD6F6DC59DB4");
  assert.equal(at(0x2140), "C018000000000000");
  assert.equal(at(0x2148), "3FEEE7B471B3A950");
  assert.equal(cpu.fpu.top, 0);
  assert.equal(cpu.fpu.status & 0x3f, PE);
});

test("FSIN/FPTAN of |x| ≥ 2^63 set C2 and leave the stack alone; FSIN of ∞ is invalid", () => {
  const { cpu } = run(
    asm`
      dd 05 00 20 00 00       fld qword [0x2000]
      d9 f2                   fptan
      d9 fe                   fsin
      dd 1d 00 21 00 00       fstp qword [0x2100]
    `,
    { data: f64(2 ** 63) },
  );
  assert.equal(f64At(cpu, 0x2100), 2 ** 63);
  assert.equal(cpu.fpu.status & C2, C2);
  assert.equal(cpu.fpu.top, 0);
  const inf = run(
    asm`
      dd 05 00 20 00 00       fld qword [0x2000]
      d9 fe                   fsin
      dd 1d 00 21 00 00       fstp qword [0x2100]
    `,
    { data: f64(Number.NEGATIVE_INFINITY) },
  ).cpu;
  assert.equal(hexAt(inf, 0x2100, 8), "FFF8000000000000");
  assert.equal(inf.fpu.status & (IE | C2), IE);
});

test("operands a double cannot hold are computed exactly at 64 bits: uint64 → double idiom, √π, 1/π, π·log2 10 (Unicorn)", () => {
  const { cpu } = run(
    asm`
      df 2d 00 20 00 00       fild qword [0x2000]
      d8 05 08 20 00 00       fadd dword [0x2008]
      dd 1d 10 20 00 00       fstp qword [0x2010]
      d9 eb                   fldpi
      d9 fa                   fsqrt
      db 3d 18 20 00 00       fstp tword [0x2018]
      d9 eb                   fldpi
      d9 e8                   fld1
      d8 f1                   fdiv st0, st1
      db 3d 28 20 00 00       fstp tword [0x2028]
      d9 e9                   fldl2t
      d8 c9                   fmul st0, st1
      db 3d 38 20 00 00       fstp tword [0x2038]
    `,
    // 0x8000000000000401 as int64, plus 2^64 (5F800000 as real4) = 2^63 + 1025, which rounds to 2^63 + 2048.
    { data: [...u32(0x401), ...u32(0x80000000), ...u32(0x5f800000)] },
  );
  assert.equal(hexAt(cpu, 0x2010, 8), "43E0000000000001");
  assert.equal(hexAt(cpu, 0x2018, 10), "3FFFE2DFC48DA77B553D");
  assert.equal(hexAt(cpu, 0x2028, 10), "3FFDA2F9836E4E44152A");
  assert.equal(hexAt(cpu, 0x2038, 10), "4002A6FA7312C06B3AEC");
});
