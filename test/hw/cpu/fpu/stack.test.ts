/**
 * Register-stack instructions: FLD/FST ST(i), FXCH, FCMOVcc, FFREE(P),
 * FINCSTP/FDECSTP, the ST(i)-destination forms of DC/DE whose SUB/DIV
 * encodings are swapped against D8 (SDM vol. 2, FSUB/FSUBR/FDIV/FDIVR),
 * and the integer-operand forms.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CF, PF, ZF } from "../../../../src/hw/cpu/flags.js";
import { C1, IE, SF } from "../../../../src/hw/cpu/fpu/fpu.js";
import { asm, f64, f64At, run, u16, u32 } from "./harness.js";

/** Runs `code` with ST(1) = 8 and ST(0) = 2 loaded first; returns the qwords stored at 0x2100.. */
function withEightAndTwo(code: number[], count: number, eflags = 2): number[] {
  const prologue = asm`
    dd 05 00 20 00 00       fld qword [0x2000]
    dd 05 08 20 00 00       fld qword [0x2008]
  `;
  const { cpu } = run([...prologue, ...code], { data: [...f64(8), ...f64(2)], setup: (c) => c.setEflags(eflags) });
  return Array.from({ length: count }, (_, k) => f64At(cpu, 0x2100 + 8 * k));
}

test("ST(i)-destination forms: DC E8+i is ST(i) − ST(0), DC E0+i is ST(0) − ST(i), likewise FDIV/FDIVR and the P forms", () => {
  const store = asm`
    dd 1d 00 21 00 00       fstp qword [0x2100]
    dd 1d 08 21 00 00       fstp qword [0x2108]
  `;
  const one = asm`
    dd 1d 00 21 00 00       fstp qword [0x2100]
  `;
  assert.deepEqual(
    withEightAndTwo(
      [
        ...asm`
    dc e9                   fsub st1, st0
  `,
        ...store,
      ],
      2,
    ),
    [2, 6],
  );
  assert.deepEqual(
    withEightAndTwo(
      [
        ...asm`
    dc e1                   fsubr st1, st0
  `,
        ...store,
      ],
      2,
    ),
    [2, -6],
  );
  assert.deepEqual(
    withEightAndTwo(
      [
        ...asm`
    dc f9                   fdiv st1, st0
  `,
        ...store,
      ],
      2,
    ),
    [2, 4],
  );
  assert.deepEqual(
    withEightAndTwo(
      [
        ...asm`
    dc f1                   fdivr st1, st0
  `,
        ...store,
      ],
      2,
    ),
    [2, 0.25],
  );
  assert.deepEqual(
    withEightAndTwo(
      [
        ...asm`
    de e9                   fsubp st1, st0
  `,
        ...one,
      ],
      1,
    ),
    [6],
  );
  assert.deepEqual(
    withEightAndTwo(
      [
        ...asm`
    de e1                   fsubrp st1, st0
  `,
        ...one,
      ],
      1,
    ),
    [-6],
  );
  assert.deepEqual(
    withEightAndTwo(
      [
        ...asm`
    de f1                   fdivrp st1, st0
  `,
        ...one,
      ],
      1,
    ),
    [0.25],
  );
  assert.deepEqual(
    withEightAndTwo(
      [
        ...asm`
    d8 e1                   fsub st0, st1
  `,
        ...store,
      ],
      2,
    ),
    [-6, 8],
  );
  assert.deepEqual(
    withEightAndTwo(
      [
        ...asm`
    d8 f9                   fdivr st0, st1
  `,
        ...store,
      ],
      2,
    ),
    [4, 8],
  );
});

test("integer operands: FIADD m32, FISUBR m16, FIMUL m32, FIDIV m16", () => {
  const { cpu } = run(
    asm`
      dd 05 00 20 00 00       fld qword [0x2000]
      da 05 08 20 00 00       fiadd dword [0x2008]
      dd 15 00 21 00 00       fst qword [0x2100]
      de 2d 0c 20 00 00       fisubr word [0x200c]
      dd 15 08 21 00 00       fst qword [0x2108]
      da 0d 08 20 00 00       fimul dword [0x2008]
      dd 15 10 21 00 00       fst qword [0x2110]
      de 35 0c 20 00 00       fidiv word [0x200c]
      dd 1d 18 21 00 00       fstp qword [0x2118]
    `,
    { data: [...f64(1.5), ...u32(-3 >>> 0), ...u16(10)] },
  );
  assert.deepEqual(
    [0x2100, 0x2108, 0x2110, 0x2118].map((a) => f64At(cpu, a)),
    [-1.5, 11.5, -34.5, -3.45],
  );
});

test("FXCH, FLD ST(i), FST/FSTP ST(i), FINCSTP/FDECSTP, FFREE and FFREEP", () => {
  assert.deepEqual(
    withEightAndTwo(
      asm`
    d9 c9                   fxch st1
    dd 1d 00 21 00 00       fstp qword [0x2100]
    dd 1d 08 21 00 00       fstp qword [0x2108]
  `,
      2,
    ),
    [8, 2],
  );
  assert.deepEqual(
    withEightAndTwo(
      asm`
    d9 c1                   fld st1
    dd 1d 00 21 00 00       fstp qword [0x2100]
    dd 1d 08 21 00 00       fstp qword [0x2108]
    dd 1d 10 21 00 00       fstp qword [0x2110]
  `,
      3,
    ),
    [8, 2, 8],
  );
  assert.deepEqual(
    withEightAndTwo(
      asm`
    dd d1                   fst st1
    dd 1d 00 21 00 00       fstp qword [0x2100]
    dd 1d 08 21 00 00       fstp qword [0x2108]
  `,
      2,
    ),
    [2, 2],
  );
  assert.deepEqual(
    withEightAndTwo(
      asm`
    dd d9                   fstp st1
    dd 1d 00 21 00 00       fstp qword [0x2100]
  `,
      1,
    ),
    [2],
  );
  assert.deepEqual(
    withEightAndTwo(
      asm`
    d9 f7                   fincstp
    dd 1d 00 21 00 00       fstp qword [0x2100]
    d9 f6                   fdecstp
    d9 f6                   fdecstp
    dd 1d 08 21 00 00       fstp qword [0x2108]
  `,
      2,
    ),
    [8, 2],
  );
  const freed = run(asm`
    d9 e8                   fld1
    d9 ee                   fldz
    dd c1                   ffree st1
    dd 15 00 21 00 00       fst qword [0x2100]
    d9 f7                   fincstp
    dd 1d 08 21 00 00       fstp qword [0x2108]
  `).cpu;
  assert.equal(freed.fpu.status & (IE | SF), IE | SF); // ST(1) was freed: popping it underflows
  const ffreep = run(asm`
    d9 e8                   fld1
    d9 ee                   fldz
    df c0                   ffreep st0
  `).cpu;
  assert.equal(ffreep.fpu.top, 7);
  assert.equal(ffreep.fpu.tag, 0x3fff);
});

test("FCMOVcc copies ST(i) into ST(0) when the EFLAGS condition holds", () => {
  const cases: [number[], number, number][] = [
    [
      asm`
      da c1                   fcmovb st0, st1
    `,
      CF,
      8,
    ],
    [
      asm`
      da c1                   fcmovb st0, st1
    `,
      0,
      2,
    ],
    [
      asm`
      da c9                   fcmove st0, st1
    `,
      ZF,
      8,
    ],
    [
      asm`
      da d1                   fcmovbe st0, st1
    `,
      ZF,
      8,
    ],
    [
      asm`
      da d9                   fcmovu st0, st1
    `,
      PF,
      8,
    ],
    [
      asm`
      db c1                   fcmovnb st0, st1
    `,
      CF,
      2,
    ],
    [
      asm`
      db c9                   fcmovne st0, st1
    `,
      0,
      8,
    ],
    [
      asm`
      db d1                   fcmovnbe st0, st1
    `,
      CF,
      2,
    ],
    [
      asm`
      db d9                   fcmovnu st0, st1
    `,
      PF,
      2,
    ],
  ];
  const store = asm`
    dd 1d 00 21 00 00       fstp qword [0x2100]
  `;
  for (const [code, flags, want] of cases) {
    assert.deepEqual(withEightAndTwo([...code, ...store], 1, flags | 2), [want]);
  }
});

test("FLD ST(i) of an empty register pushes the indefinite with IE|SF, C1 = 0", () => {
  const { cpu } = run(asm`
    d9 c3                   fld st3
    dd 1d 00 21 00 00       fstp qword [0x2100]
  `);
  assert.equal(Number.isNaN(f64At(cpu, 0x2100)), true);
  assert.equal(cpu.fpu.status & (IE | SF | C1), IE | SF);
});
