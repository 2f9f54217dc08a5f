/**
 * Rounding control (RC) and precision control (PC): FIST/FISTP, FRNDINT and
 * arithmetic results, with PE and C1 ("rounded up") as SDM vol. 1, 8.1.5
 * and 4.8.4 define them.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { C1, IE, PE } from "../../../../src/hw/cpu/fpu/fpu.js";
import { asm, f64, hexAt, m80, run, u16, u32At } from "./harness.js";

const FLAGS = 0x7f | C1;
const RC_NEAREST = 0x037f;
const RC_DOWN = 0x077f;
const RC_UP = 0x0b7f;
const RC_CHOP = 0x0f7f;

/** FISTP m32 of `v` under control word `cw`: the stored integer and the flags. */
function fistp32(cw: number, v: number): [number, number] {
  const { cpu } = run(
    asm`
      d9 2d 00 20 00 00       fldcw [0x2000]
      dd 05 08 20 00 00       fld qword [0x2008]
      db 1d 00 21 00 00       fistp dword [0x2100]
    `,
    { data: [...u16(cw), 0, 0, 0, 0, 0, 0, ...f64(v)] },
  );
  return [u32At(cpu, 0x2100) | 0, cpu.fpu.status & FLAGS];
}

test("FISTP m32 rounds by RC (nearest-even, down, up, chop)", () => {
  const values = [2.5, -2.5, 1.5, -1.5, 1.7, -1.7, 0.5, -0.5, 3];
  const expected: Record<number, number[]> = {
    [RC_NEAREST]: [2, -2, 2, -2, 2, -2, 0, 0, 3],
    [RC_DOWN]: [2, -3, 1, -2, 1, -2, 0, -1, 3],
    [RC_UP]: [3, -2, 2, -1, 2, -1, 1, 0, 3],
    [RC_CHOP]: [2, -2, 1, -1, 1, -1, 0, 0, 3],
  };
  for (const cw of [RC_NEAREST, RC_DOWN, RC_UP, RC_CHOP]) {
    values.forEach((v, k) => {
      const [n, flags] = fistp32(cw, v);
      const want = expected[cw][k];
      assert.equal(n, want, `fistp ${v} with cw ${cw.toString(16)}`);
      const inexact = v !== want;
      const up = Math.abs(want) > Math.abs(v);
      assert.equal(flags, inexact ? PE | (up ? C1 : 0) : 0, `flags of fistp ${v} with cw ${cw.toString(16)}`);
    });
  }
});

test("FISTP out of range stores the integer indefinite with IE", () => {
  assert.deepEqual(fistp32(RC_NEAREST, 2 ** 31), [-0x80000000, IE]);
  assert.deepEqual(fistp32(RC_NEAREST, Number.NEGATIVE_INFINITY), [-0x80000000, IE]);
  assert.deepEqual(fistp32(RC_NEAREST, Number.NaN), [-0x80000000, IE]);
  // -2^31 - 0.5 chops to -2^31, which is in range.
  assert.deepEqual(fistp32(RC_CHOP, -(2 ** 31) - 0.5), [-0x80000000, PE]);
  const { cpu } = run(
    asm`
      dd 05 00 20 00 00       fld qword [0x2000]
      df 15 00 21 00 00       fist word [0x2100]
      df 3d 08 21 00 00       fistp qword [0x2108]
    `,
    { data: f64(1e19) },
  );
  assert.equal(hexAt(cpu, 0x2100, 2), "8000");
  assert.equal(hexAt(cpu, 0x2108, 8), "8000000000000000");
});

test("FISTP m64 of large doubles is exact: -2^62 - 2^10 and 2^63 - 2^10", () => {
  const { cpu } = run(
    asm`
      dd 05 00 20 00 00       fld qword [0x2000]
      df 3d 00 21 00 00       fistp qword [0x2100]
      dd 05 08 20 00 00       fld qword [0x2008]
      df 3d 08 21 00 00       fistp qword [0x2108]
    `,
    { data: [...f64(-(2 ** 62) - 1024), ...f64(2 ** 63 - 1024)] },
  );
  assert.equal(hexAt(cpu, 0x2100, 8), "BFFFFFFFFFFFFC00");
  assert.equal(hexAt(cpu, 0x2108, 8), "7FFFFFFFFFFFFC00");
  assert.equal(cpu.fpu.status & FLAGS, 0);
});

test("FRNDINT rounds by RC, keeps -0, and is exact on 64-bit significands (2^62 + 0.5)", () => {
  const big = m80(0x403d, "8000000000000001"); // 2^62 + 0.5
  for (const [cw, small, bigWant, flags] of [
    [RC_NEAREST, "C000000000000000", "403D8000000000000000", PE], // -2.5 → -2; 2^62 + 0.5 → 2^62 (even)
    [RC_UP, "C000000000000000", "403D8000000000000002", PE | C1], // -2.5 → -2; → 2^62 + 1
    [RC_DOWN, "C008000000000000", "403D8000000000000000", PE | C1], // -2.5 → -3
    [RC_CHOP, "C000000000000000", "403D8000000000000000", PE],
  ] as const) {
    const { cpu } = run(
      asm`
        d9 2d 00 20 00 00       fldcw [0x2000]
        dd 05 08 20 00 00       fld qword [0x2008]
        d9 fc                   frndint
        dd 1d 00 21 00 00       fstp qword [0x2100]
        dd 05 10 20 00 00       fld qword [0x2010]
        d9 fc                   frndint
        dd 1d 08 21 00 00       fstp qword [0x2108]
        db 2d 18 20 00 00       fld tword [0x2018]
        d9 fc                   frndint
        db 3d 10 21 00 00       fstp tword [0x2110]
      `,
      { data: [...u16(cw), 0, 0, 0, 0, 0, 0, ...f64(-2.5), ...f64(-0.25), ...big] },
    );
    assert.equal(hexAt(cpu, 0x2100, 8), small, `cw ${cw.toString(16)}`);
    const negZeroWant = cw === RC_DOWN ? "BFF0000000000000" : "8000000000000000"; // -0.25 → -1 or -0
    assert.equal(hexAt(cpu, 0x2108, 8), negZeroWant, `cw ${cw.toString(16)} -0.25`);
    assert.equal(hexAt(cpu, 0x2110, 10), bigWant, `cw ${cw.toString(16)} 2^62+0.5`);
    assert.equal(cpu.fpu.status & PE, flags & PE);
  }
});

test("arithmetic honours RC at 53-bit precision: 1/3, -1/3, √3, 0.1 + 0.2 (values from Unicorn)", () => {
  for (const [cw, want] of [
    [0x027f, ["3FD5555555555555", "BFD5555555555555", "3FFBB67AE8584CAA", "3FD3333333333334"]],
    [0x067f, ["3FD5555555555555", "BFD5555555555556", "3FFBB67AE8584CAA", "3FD3333333333333"]],
    [0x0a7f, ["3FD5555555555556", "BFD5555555555555", "3FFBB67AE8584CAB", "3FD3333333333334"]],
    [0x0e7f, ["3FD5555555555555", "BFD5555555555555", "3FFBB67AE8584CAA", "3FD3333333333333"]],
  ] as const) {
    const { cpu } = run(
      asm`
        d9 2d 00 20 00 00       fldcw [0x2000]
        d9 e8                   fld1
        dc 35 08 20 00 00       fdiv qword [0x2008]
        dd 1d 00 21 00 00       fstp qword [0x2100]
        d9 e8                   fld1
        d9 e0                   fchs
        dc 35 08 20 00 00       fdiv qword [0x2008]
        dd 1d 08 21 00 00       fstp qword [0x2108]
        dd 05 08 20 00 00       fld qword [0x2008]
        d9 fa                   fsqrt
        dd 1d 10 21 00 00       fstp qword [0x2110]
        dd 05 10 20 00 00       fld qword [0x2010]
        dc 05 18 20 00 00       fadd qword [0x2018]
        dd 1d 18 21 00 00       fstp qword [0x2118]
      `,
      { data: [...u16(cw), 0, 0, 0, 0, 0, 0, ...f64(3), ...f64(0.1), ...f64(0.2)] },
    );
    const got = [0x2100, 0x2108, 0x2110, 0x2118].map((a) => hexAt(cpu, a, 8));
    assert.deepEqual(got, want, `cw ${cw.toString(16)}`);
  }
});

test("C1 reports rounding up: 1/10 rounds up at nearest, 1/3 down; exact results clear C1", () => {
  const c1 = (divisor: number, dividend: number): number => {
    const { cpu } = run(
      asm`
        dd 05 08 20 00 00       fld qword [0x2008]
        dc 35 00 20 00 00       fdiv qword [0x2000]
      `,
      { data: [...f64(divisor), ...f64(dividend)] },
    );
    return cpu.fpu.status & (C1 | PE);
  };
  assert.equal(c1(10, 1), PE | C1); // 0.1 rounds up to 3FB999999999999A
  assert.equal(c1(3, 1), PE); // 0.333…3 rounds down to …55
  assert.equal(c1(4, 1), 0);
});

test("PC = 24 bits rounds arithmetic to a single-precision significand, keeping the exponent range", () => {
  const { cpu } = run(
    asm`
      d9 2d 00 20 00 00       fldcw [0x2000]
      d9 e8                   fld1
      dc 35 08 20 00 00       fdiv qword [0x2008]
      dd 1d 00 21 00 00       fstp qword [0x2100]
      dd 05 10 20 00 00       fld qword [0x2010]
      dc c8                   fmul st0, st0
      dd 1d 08 21 00 00       fstp qword [0x2108]
    `,
    { data: [...u16(0x007f), 0, 0, 0, 0, 0, 0, ...f64(3), ...f64(1e200)] },
  );
  assert.equal(hexAt(cpu, 0x2100, 8), "3FD5555560000000"); // 1/3 to 24 bits, rounded up
  assert.equal(hexAt(cpu, 0x2108, 8), "7FF0000000000000"); // 1e400 overflows a double (see fpu.ts)
});
