/**
 * x87 data formats: real4/real8/real10, 64-bit integers, packed BCD, the
 * constants, NaNs. Expected bit patterns are from the SDM (vol. 1, 4.2,
 * 4.8) or computed by hand; those marked "Unicorn" were produced by
 * QEMU's 80-bit softfloat through Unicorn.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { C1, IE, OE, PE, SF } from "../../../../src/hw/cpu/fpu/fpu.js";
import { asm, DATA, f64, hexAt, m80, run, u16, u32 } from "./harness.js";

const FLAGS = 0x7f | C1;

test("1.0 is 3FFF 8000000000000000; 1/3 is 3FD5555555555555 and, at 53-bit precision, 3FFD AAAAAAAAAAAAA800", () => {
  const { cpu } = run(
    asm`
      d9 e8                   fld1
      db 3d 00 21 00 00       fstp tword [0x2100]
      d9 2d 00 20 00 00       fldcw [0x2000]
      d9 e8                   fld1
      dc 35 08 20 00 00       fdiv qword [0x2008]
      dd 15 10 21 00 00       fst qword [0x2110]
      db 3d 20 21 00 00       fstp tword [0x2120]
    `,
    { data: [...u16(0x027f), 0, 0, 0, 0, 0, 0, ...f64(3)] },
  );
  assert.equal(hexAt(cpu, 0x2100, 10), "3FFF8000000000000000");
  assert.equal(hexAt(cpu, 0x2110, 8), "3FD5555555555555");
  assert.equal(hexAt(cpu, 0x2120, 10), "3FFDAAAAAAAAAAAAA800");
  assert.equal(cpu.fpu.status & FLAGS, PE); // 1/3 is inexact and was rounded down
});

test("m80 values a double cannot hold (64-bit 1/3, a denormal, an unnormal, a pseudo-NaN) round-trip exactly", () => {
  const third = m80(0x3ffd, "AAAAAAAAAAAAAAAB");
  const denormal = m80(0x0000, "0000000000000001");
  const unnormal = m80(0x4000, "4000000000000000");
  const pseudoNaN = m80(0x7fff, "0000000000000001");
  const { cpu } = run(
    asm`
      db 2d 00 20 00 00       fld tword [0x2000]
      db 2d 0a 20 00 00       fld tword [0x200a]
      db 2d 14 20 00 00       fld tword [0x2014]
      db 2d 1e 20 00 00       fld tword [0x201e]
      db 3d 00 21 00 00       fstp tword [0x2100]
      db 3d 0a 21 00 00       fstp tword [0x210a]
      db 3d 14 21 00 00       fstp tword [0x2114]
      dd 15 30 21 00 00       fst qword [0x2130]
      db 3d 1e 21 00 00       fstp tword [0x211e]
    `,
    { data: [...third, ...denormal, ...unnormal, ...pseudoNaN] },
  );
  assert.equal(hexAt(cpu, 0x2100, 10), "7FFF0000000000000001");
  assert.equal(hexAt(cpu, 0x210a, 10), "40004000000000000000");
  assert.equal(hexAt(cpu, 0x2114, 10), "00000000000000000001");
  assert.equal(hexAt(cpu, 0x211e, 10), "3FFDAAAAAAAAAAAAAAAB");
  // FST m64 rounds the 64-bit significand once: ...AAB drops 0x2AB < half → down, inexact.
  assert.equal(hexAt(cpu, 0x2130, 8), "3FD5555555555555");
  assert.equal(cpu.fpu.status & FLAGS, PE);
});

for (const [name, lo, hi, m80hex, m64hex] of [
  ["2^63-1", 0xffffffff, 0x7fffffff, "403DFFFFFFFFFFFFFFFE", "43E0000000000000"],
  ["-2^63", 0, 0x80000000, "C03E8000000000000000", "C3E0000000000000"],
  ["2^53+1", 1, 0x00200000, "40348000000000000400", "4340000000000000"],
  ["-3", 0xfffffffd, 0xffffffff, "C000C000000000000000", "C008000000000000"],
] as const) {
  test(`FILD m64 ${name} → FISTP m64 is exact (m80 ${m80hex})`, () => {
    const { cpu } = run(
      asm`
        df 2d 00 20 00 00       fild qword [0x2000]
        d9 c0                   fld st0
        db 3d 00 21 00 00       fstp tword [0x2100]
        dd 15 10 21 00 00       fst qword [0x2110]
        df 3d 18 21 00 00       fistp qword [0x2118]
      `,
      { data: [...u32(lo), ...u32(hi)] },
    );
    assert.equal(hexAt(cpu, 0x2118, 8), hexAt(cpu, DATA, 8));
    assert.equal(hexAt(cpu, 0x2100, 10), m80hex);
    assert.equal(hexAt(cpu, 0x2110, 8), m64hex);
  });
}

test("FST m64 of 2^63-1 rounds up to 2^63 and reports PE with C1 (rounded up)", () => {
  const { cpu } = run(
    asm`
      df 2d 00 20 00 00       fild qword [0x2000]
      dd 15 10 21 00 00       fst qword [0x2110]
    `,
    { data: [...u32(0xffffffff), ...u32(0x7fffffff)] },
  );
  assert.equal(cpu.fpu.status & FLAGS, PE | C1);
});

test("the constants: FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ at round-to-nearest (SDM; same in Unicorn)", () => {
  const { cpu } = run(asm`
    d9 eb                   fldpi
    d9 e9                   fldl2t
    d9 ea                   fldl2e
    d9 ec                   fldlg2
    d9 ed                   fldln2
    d9 ee                   fldz
    d9 e8                   fld1
    db 3d 00 21 00 00       fstp tword [0x2100]
    db 3d 0a 21 00 00       fstp tword [0x210a]
    db 3d 14 21 00 00       fstp tword [0x2114]
    db 3d 1e 21 00 00       fstp tword [0x211e]
    db 3d 28 21 00 00       fstp tword [0x2128]
    db 3d 32 21 00 00       fstp tword [0x2132]
    db 3d 3c 21 00 00       fstp tword [0x213c]
  `);
  assert.equal(hexAt(cpu, 0x2100, 10), "3FFF8000000000000000"); // 1
  assert.equal(hexAt(cpu, 0x210a, 10), "00000000000000000000"); // +0
  assert.equal(hexAt(cpu, 0x2114, 10), "3FFEB17217F7D1CF79AC"); // ln 2
  assert.equal(hexAt(cpu, 0x211e, 10), "3FFD9A209A84FBCFF799"); // log10 2
  assert.equal(hexAt(cpu, 0x2128, 10), "3FFFB8AA3B295C17F0BC"); // log2 e
  assert.equal(hexAt(cpu, 0x2132, 10), "4000D49A784BCD1B8AFE"); // log2 10
  assert.equal(hexAt(cpu, 0x213c, 10), "4000C90FDAA22168C235"); // π
  assert.equal(cpu.fpu.status & FLAGS, 0); // loading a constant is not inexact
});

test("constants follow RC: π truncates to …C234 under chop, log2 10 rounds up to …8AFF under RC up", () => {
  // π = C90FDAA2 2168C234 C4C6…, log2 10 = D49A784B CD1B8AFE 4…: hand-computed with 80-digit decimals.
  for (const [cw, pi, l2t] of [
    [0x0f7f, "4000C90FDAA22168C234", "4000D49A784BCD1B8AFE"],
    [0x0b7f, "4000C90FDAA22168C235", "4000D49A784BCD1B8AFF"],
  ] as const) {
    const { cpu } = run(
      asm`
        d9 2d 00 20 00 00       fldcw [0x2000]
        d9 eb                   fldpi
        d9 e9                   fldl2t
        db 3d 00 21 00 00       fstp tword [0x2100]
        db 3d 0a 21 00 00       fstp tword [0x210a]
      `,
      { data: u16(cw) },
    );
    assert.equal(hexAt(cpu, 0x2100, 10), l2t);
    assert.equal(hexAt(cpu, 0x210a, 10), pi);
  }
});

test("NaNs: the real8 indefinite loads as FFFF C000000000000000; an SNaN load raises IE and is quietened", () => {
  const { cpu } = run(
    asm`
      dd 05 00 20 00 00       fld qword [0x2000]
      db 3d 00 21 00 00       fstp tword [0x2100]
      dd 05 08 20 00 00       fld qword [0x2008]
      dd 15 10 21 00 00       fst qword [0x2110]
      db 3d 18 21 00 00       fstp tword [0x2118]
      d9 05 10 20 00 00       fld dword [0x2010]
      dd 1d 28 21 00 00       fstp qword [0x2128]
    `,
    { data: [...u32(0), ...u32(0xfff80000), ...u32(1), ...u32(0x7ff00000), ...u32(0xff800001)] },
  );
  assert.equal(hexAt(cpu, 0x2100, 10), "FFFFC000000000000000");
  assert.equal(hexAt(cpu, 0x2118, 10), "7FFFC000000000000800");
  assert.equal(hexAt(cpu, 0x2110, 8), "7FF8000000000001");
  // The real4 SNaN FF800001 widens to the real8 QNaN FFF8000020000000.
  assert.equal(hexAt(cpu, 0x2128, 8), "FFF8000020000000");
  assert.equal(cpu.fpu.status & FLAGS, IE);
});

test("FST m32: 0.1 rounds to 3DCCCCCD (up, C1) at nearest and 3DCCCCCC under chop; 1e39 overflows", () => {
  const cases = [
    [0x037f, 0.1, 0x3dcccccd, PE | C1],
    [0x0f7f, 0.1, 0x3dcccccc, PE],
    [0x037f, 1e39, 0x7f800000, OE | PE | C1],
    [0x0f7f, 1e39, 0x7f7fffff, OE | PE],
    [0x077f, -1e39, 0xff800000, OE | PE | C1],
    [0x037f, 2 ** -150 * 3, 0x00000002, 0x10 | PE | C1], // tiny: UE, 1.5 ulp rounds to even (2)
  ] as const;
  for (const [cw, v, bits, flags] of cases) {
    const { cpu } = run(
      asm`
        d9 2d 00 20 00 00       fldcw [0x2000]
        dd 05 08 20 00 00       fld qword [0x2008]
        d9 1d 00 21 00 00       fstp dword [0x2100]
      `,
      { data: [...u16(cw), 0, 0, 0, 0, 0, 0, ...f64(v)] },
    );
    assert.equal(hexAt(cpu, 0x2100, 4), bits.toString(16).toUpperCase().padStart(8, "0"), `${v} cw ${cw.toString(16)}`);
    assert.equal(cpu.fpu.status & FLAGS, flags, `${v} cw ${cw.toString(16)} flags`);
  }
});

test("FBLD/FBSTP: 18 digits round-trip through the stack exactly; 10^18 stores the BCD indefinite with IE", () => {
  const bcd = [0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80]; // -123456789012345678
  const { cpu } = run(
    asm`
      df 25 00 20 00 00       fbld [0x2000]
      d9 c0                   fld st0
      df 3d 00 21 00 00       fistp qword [0x2100]
      df 35 10 21 00 00       fbstp [0x2110]
      df 2d 10 20 00 00       fild qword [0x2010]
      df 35 20 21 00 00       fbstp [0x2120]
    `,
    { data: [...bcd, 0, 0, 0, 0, 0, 0, ...u32(0xa7640000), ...u32(0x0de0b6b3)] }, // 10^18 as int64
  );
  assert.equal(hexAt(cpu, 0x2100, 8), "FE4964B459CF0CB2"); // -0x01B69B4BA630F34E
  assert.equal(hexAt(cpu, 0x2110, 10), "80123456789012345678");
  assert.equal(hexAt(cpu, 0x2120, 10), "FFFFC000000000000000");
  assert.equal(cpu.fpu.status & FLAGS, IE);
});

test("FBSTP rounds by RC: 2.5 → 2 at nearest, 3 under RC up; -0.0 keeps its sign", () => {
  const { cpu } = run(
    asm`
      dd 05 08 20 00 00       fld qword [0x2008]
      df 35 00 21 00 00       fbstp [0x2100]
      d9 2d 00 20 00 00       fldcw [0x2000]
      dd 05 08 20 00 00       fld qword [0x2008]
      df 35 10 21 00 00       fbstp [0x2110]
      d9 ee                   fldz
      d9 e0                   fchs
      df 35 20 21 00 00       fbstp [0x2120]
    `,
    { data: [...u16(0x0b7f), 0, 0, 0, 0, 0, 0, ...f64(2.5)] },
  );
  assert.equal(hexAt(cpu, 0x2100, 10), "00000000000000000002");
  assert.equal(hexAt(cpu, 0x2110, 10), "00000000000000000003");
  assert.equal(hexAt(cpu, 0x2120, 10), "80000000000000000000");
});

test("stack underflow on FSTP m80 / FISTP m16 stores the indefinites with IE|SF, C1 = 0", () => {
  const { cpu } = run(asm`
    db 3d 00 21 00 00       fstp tword [0x2100]
    df 1d 10 21 00 00       fistp word [0x2110]
    d9 15 20 21 00 00       fst dword [0x2120]
  `);
  assert.equal(hexAt(cpu, 0x2100, 10), "FFFFC000000000000000");
  assert.equal(hexAt(cpu, 0x2110, 2), "8000");
  assert.equal(hexAt(cpu, 0x2120, 4), "FFC00000");
  assert.equal(cpu.fpu.status & FLAGS, IE | SF);
  assert.equal(cpu.fpu.top, 2); // the masked response still pops
});
