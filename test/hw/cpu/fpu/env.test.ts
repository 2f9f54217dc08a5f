/**
 * FPU environment and state images (SDM vol. 1, figures 8-9…8-12) and the
 * last-instruction pointers (8.1.8, 8.1.9).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { asm, f64, hexAt, m80, run, u16, u16At, u32At } from "./harness.js";

test("FNSTENV, 32-bit protected mode: the 28-byte layout after an unmasked #Z, then all exceptions masked", () => {
  const { cpu } = run(
    asm`
      d9 2d 04 20 00 00       fldcw [0x2004]
      d9 e8                   fld1
      d8 35 00 20 00 00       fdiv dword [0x2000]
      d9 35 00 21 00 00       fnstenv [0x2100]
    `,
    { data: [0, 0, 0, 0, ...u16(0x0272)] }, // divisor +0.0f; CW with IM, ZM, OM clear
  );
  const d = (k: number) => u32At(cpu, 0x2100 + 4 * k);
  assert.equal(d(0), 0xffff0272); // FCW (reserved upper half reads as ones)
  assert.equal(d(1), 0xffffb884); // FSW: B, TOP = 7, ES, ZE
  assert.equal(d(2), 0xffff3fff); // FTW: R7 valid, the rest empty
  assert.equal(d(3), 0x1008); // FIP: the FDIV (after 6 + 2 bytes)
  assert.equal(d(4), 0x00350008); // FOP 035 (D8 /6 modrm 35) : FCS 08
  assert.equal(d(5), 0x2000); // FDP
  assert.equal(d(6), 0xffff0010); // FDS
  assert.equal(cpu.fpu.control, 0x027f); // FNSTENV masks every exception
  assert.equal(cpu.fpu.status & 0x80, 0x80); // ES stays pending
});

test("FNSTENV in real mode: 14-byte and (with 66h) 28-byte images with linear pointers", () => {
  const { cpu } = run(
    asm`
      d9 e8                   fld1
      d9 ee                   fldz
      d8 06 00 20             fadd dword [0x2000]
      d9 36 00 21             fnstenv [0x2100]
      66 d9 36 20 21          o32 fnstenv [0x2120]
    `,
    { data: [0, 0, 0x80, 0x3f], real: true }, // 1.0f
  );
  const w = (k: number) => u16At(cpu, 0x2100 + 2 * k);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(w), [0x037f, 0x3000, 0x0fff, 0x1004, 0x0006, 0x2000, 0x0000]);
  const d = (k: number) => u32At(cpu, 0x2120 + 4 * k);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(d), [0xffff037f, 0xffff3000, 0xffff0fff, 0xffff1004, 0x00000006, 0xffff2000, 0x00000000]);
});

test("FIP/FOP follow the last non-control instruction; FDP the last memory operand", () => {
  const { cpu } = run(
    asm`
      d9 05 00 20 00 00       fld dword [0x2000]
      d9 e8                   fld1
      d9 3d 10 20 00 00       fnstcw [0x2010]
      db e2                   fnclex
      d9 35 00 21 00 00       fnstenv [0x2100]
    `,
    { data: [0, 0, 0x80, 0x3f] },
  );
  assert.equal(u32At(cpu, 0x210c), 0x1006); // FLD1, not FNSTCW/FNCLEX
  assert.equal(u32At(cpu, 0x2110), 0x01e80008); // FOP 1E8 (D9 E8)
  assert.equal(u32At(cpu, 0x2114), 0x2000); // from FLD m32
});

test("FNSAVE stores environment and registers in stack order, then initialises; FRSTOR brings everything back", () => {
  const third = m80(0x3ffd, "AAAAAAAAAAAAAAAB");
  const nan = m80(0x7fff, "C000000000001234");
  const { cpu } = run(
    asm`
      d9 2d 20 20 00 00       fldcw [0x2020]
      db 2d 00 20 00 00       fld tword [0x2000]
      db 2d 0a 20 00 00       fld tword [0x200a]
      d9 eb                   fldpi
      dd 35 00 21 00 00       fnsave [0x2100]
      d9 3d 00 22 00 00       fnstcw [0x2200]
      dd 3d 02 22 00 00       fnstsw [0x2202]
      d9 e8                   fld1
      d9 e8                   fld1
      dd 25 00 21 00 00       frstor [0x2100]
      d9 35 40 22 00 00       fnstenv [0x2240]
      db 3d 10 22 00 00       fstp tword [0x2210]
      db 3d 1a 22 00 00       fstp tword [0x221a]
      db 3d 24 22 00 00       fstp tword [0x2224]
      d9 3d 30 22 00 00       fnstcw [0x2230]
    `,
    { data: [...third, ...nan, ...[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], ...u16(0x0e7f)] },
  );
  // The image: 28-byte environment, then ST(0) = π (RC chop: …C234), ST(1) = NaN, ST(2) = 1/3, ST(3..7) as left.
  assert.equal(u32At(cpu, 0x2100), 0xffff0e7f);
  assert.equal(u32At(cpu, 0x2104), 0xffff2800); // TOP = 5
  assert.equal(u32At(cpu, 0x2108), 0xffff23ff); // R7 valid 00, R6 NaN special 10, R5 valid 00, R4..R0 empty
  assert.equal(hexAt(cpu, 0x2100 + 28, 10), "4000C90FDAA22168C234");
  assert.equal(hexAt(cpu, 0x2100 + 38, 10), "7FFFC000000000001234");
  assert.equal(hexAt(cpu, 0x2100 + 48, 10), "3FFDAAAAAAAAAAAAAAAB");
  // After FNSAVE the FPU is as after FNINIT.
  assert.equal(u16At(cpu, 0x2200), 0x037f);
  assert.equal(u16At(cpu, 0x2202), 0);
  // FRSTOR restored the registers exactly, and the control word.
  assert.equal(hexAt(cpu, 0x2210, 10), "4000C90FDAA22168C234");
  assert.equal(hexAt(cpu, 0x221a, 10), "7FFFC000000000001234");
  assert.equal(hexAt(cpu, 0x2224, 10), "3FFDAAAAAAAAAAAAAAAB");
  assert.equal(u16At(cpu, 0x2230), 0x0e7f);
  // ...and the pointers: FIP of FLDPI at 0x1012, FDP of the second FLD m80, as saved.
  assert.equal(u32At(cpu, 0x2100 + 12), 0x1012);
  assert.equal(u32At(cpu, 0x2100 + 20), 0x200a);
  for (let k = 0; k < 28; k++) assert.equal(cpu.bus.ram[0x2240 + k], cpu.bus.ram[0x2100 + k], `environment byte ${k}`);
});

test("FLDENV takes only empty/non-empty from the tag word and recomputes ES from the masks", () => {
  const env = [
    ...u16(0x037e),
    0xff,
    0xff, // FCW: IM unmasked
    ...u16(0x0001),
    0xff,
    0xff, // FSW: IE pending, ES clear in the image
    ...u16(0x0fff),
    0xff,
    0xff, // FTW: R6, R7 "valid"
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  const { cpu } = run(
    asm`
      d9 ee                   fldz
      d9 ee                   fldz
      d9 25 00 20 00 00       fldenv [0x2000]
      d9 35 00 21 00 00       fnstenv [0x2100]
    `,
    { data: env },
  );
  assert.equal(u16At(cpu, 0x2104) & 0x8081, 0x8081); // B, ES, IE
  assert.equal(u16At(cpu, 0x2108), 0x5fff); // both hold +0: tags recomputed as "zero" (01)
});

test("FLDCW FFFF keeps the defined bits (and the 287 X bit) only", () => {
  const { cpu } = run(
    asm`
      d9 2d 00 20 00 00       fldcw [0x2000]
      d9 3d 00 21 00 00       fnstcw [0x2100]
    `,
    { data: [...u16(0xffff), ...f64(0)] },
  );
  assert.equal(u16At(cpu, 0x2100), 0x1f7f);
});
