/**
 * Group 3 (TEST/NOT/NEG/MUL/IMUL/DIV/IDIV) and the IMUL forms (SDM vol. 2).
 * Expected values are hand-computed; #DE cases check that nothing changed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Cpu, DS, EAX, EBX, ECX, EDX } from "../../../src/hw/cpu/cpu.js";
import { AF, CF, OF, PF, SF, ZF } from "../../../src/hw/cpu/flags.js";
import { CODE, DATA, arithFlags as flags, prepare, run, u } from "../../support/cpu-env.js";

/** Execute one instruction that must raise #DE, and check that registers and flags are untouched. */
function expectDE(code: number[], init: (cpu: Cpu) => void): void {
  const { cpu, it } = prepare(code, init, true);
  const regs = [...cpu.regs];
  const eflags = cpu.eflags;
  const exit = it.step();
  assert.equal(exit?.kind, "exception");
  assert.equal(exit?.kind === "exception" && exit.fault.vector, 0);
  assert.deepEqual([...cpu.regs], regs);
  assert.equal(cpu.eflags, eflags);
  assert.equal(cpu.eip, CODE);
}

test("mul cl: AL*CL into AX, CF=OF when AH is not zero", () => {
  const cpu = run([0xf6, 0xe1], (c) => {
    c.regs[EAX] = 0x80;
    c.regs[ECX] = 2;
  });
  assert.equal(cpu.regs[EAX], 0x100);
  assert.equal(flags(cpu) & (CF | OF), CF | OF);
  const small = run([0xf6, 0xe1], (c) => {
    c.regs[EAX] = 0x7f;
    c.regs[ECX] = 2;
  });
  assert.equal(small.regs[EAX], 0xfe);
  assert.equal(flags(small) & (CF | OF), 0);
});

test("mul cx writes DX:AX", () => {
  const cpu = run([0x66, 0xf7, 0xe1], (c) => {
    c.regs[EAX] = 0xffff;
    c.regs[ECX] = 0xffff;
    c.regs[EDX] = 0x12340000;
  });
  assert.equal(cpu.regs[EAX], 0x0001);
  assert.equal(u(cpu.regs[EDX]), 0x1234fffe);
  assert.equal(flags(cpu) & (CF | OF), CF | OF);
});

test("mul ecx: full 64-bit product", () => {
  const cpu = run([0xf7, 0xe1], (c) => {
    c.regs[EAX] = -1;
    c.regs[ECX] = -1;
  });
  assert.equal(u(cpu.regs[EDX]), 0xfffffffe);
  assert.equal(u(cpu.regs[EAX]), 1);
  assert.equal(flags(cpu) & (CF | OF), CF | OF);
  const b = run([0xf7, 0xe1], (c) => {
    c.regs[EAX] = 0x12345678;
    c.regs[ECX] = 0x9abcdef0 | 0;
  });
  // 0x12345678 * 0x9abcdef0 = 0x0b00ea4e_242d2080
  assert.equal(u(b.regs[EDX]), 0x0b00ea4e);
  assert.equal(u(b.regs[EAX]), 0x242d2080);
});

test("mul: undefined SF/ZF/PF come from the low half, AF clear (QEMU)", () => {
  const cpu = run([0xf7, 0xe1], (c) => {
    c.regs[EAX] = 0x10000;
    c.regs[ECX] = 0x10000;
    c.setEflags(AF | SF);
  });
  assert.equal(cpu.regs[EDX], 1);
  assert.equal(cpu.regs[EAX], 0);
  assert.equal(flags(cpu), CF | OF | ZF | PF);
});

test("imul (one operand): CF=OF only when the high half is not the sign extension", () => {
  const a = run([0xf7, 0xe9], (c) => {
    c.regs[EAX] = -1;
    c.regs[ECX] = -1;
  });
  assert.equal(a.regs[EAX], 1);
  assert.equal(a.regs[EDX], 0);
  assert.equal(flags(a) & (CF | OF), 0);
  const b = run([0xf7, 0xe9], (c) => {
    c.regs[EAX] = 0x80000000 | 0;
    c.regs[ECX] = -1;
  });
  assert.equal(u(b.regs[EAX]), 0x80000000);
  assert.equal(b.regs[EDX], 0);
  assert.equal(flags(b) & (CF | OF), CF | OF);
  const c8 = run([0xf6, 0xe9], (c) => {
    c.regs[EAX] = 0xff; // -1
    c.regs[ECX] = 0x80; // -128
  });
  assert.equal(c8.regs[EAX] & 0xffff, 0x0080); // +128 does not fit in AL
  assert.equal(flags(c8) & (CF | OF), CF | OF);
  const big = run([0xf7, 0xe9], (c) => {
    c.regs[EAX] = 0x7fffffff;
    c.regs[ECX] = 0x80000000 | 0;
  });
  // 0x7fffffff * -0x80000000 = -0x3fffffff_80000000 = 0xc0000000_80000000
  assert.equal(u(big.regs[EDX]), 0xc0000000);
  assert.equal(u(big.regs[EAX]), 0x80000000);
});

test("imul r32,r/m32 and the immediate forms truncate and flag overflow", () => {
  const a = run([0x0f, 0xaf, 0xc1], (c) => {
    c.regs[EAX] = 0x40000000;
    c.regs[ECX] = 2;
  });
  assert.equal(u(a.regs[EAX]), 0x80000000);
  assert.equal(flags(a) & (CF | OF), CF | OF);
  const b = run([0x6b, 0xc1, 0xff], (c) => {
    c.regs[ECX] = 5;
  });
  assert.equal(b.regs[EAX], -5);
  assert.equal(flags(b) & (CF | OF), 0);
  const w = run([0x66, 0x69, 0xc1, 0x00, 0x01], (c) => {
    c.regs[EAX] = 0xabcd1234 | 0;
    c.regs[ECX] = 0x100;
  });
  assert.equal(u(w.regs[EAX]), 0xabcd0000);
  assert.equal(flags(w) & (CF | OF), CF | OF);
  const m = run([0x69, 0x03, 0x10, 0x00, 0x00, 0x00], (c) => {
    c.regs[EBX] = DATA;
    c.write32(DS, DATA, 0xfffffff0);
  });
  assert.equal(m.regs[EAX], -256);
  assert.equal(flags(m) & (CF | OF), 0);
});

test("div cl and div ecx", () => {
  const b = run([0xf6, 0xf1], (c) => {
    c.regs[EAX] = 0xffff0000 | 1000;
    c.regs[ECX] = 7;
  });
  assert.equal(u(b.regs[EAX]), (0xffff0000 | (6 << 8) | 142) >>> 0); // AH = 1000 mod 7, AL = 1000 / 7
  const d = run([0xf7, 0xf1], (c) => {
    c.regs[EDX] = 0x12345678;
    c.regs[EAX] = 0x9abcdef0 | 0;
    c.regs[ECX] = 0x87654321 | 0;
  });
  assert.equal(u(d.regs[EAX]), 0x226b9022);
  assert.equal(u(d.regs[EDX]), 0x38bc648e);
  const e = run([0xf7, 0xf1], (c) => {
    c.regs[EDX] = 1;
    c.regs[EAX] = 0;
    c.regs[ECX] = 2;
  });
  assert.equal(u(e.regs[EAX]), 0x80000000);
  assert.equal(e.regs[EDX], 0);
});

test("div by zero and quotient overflow raise #DE", () => {
  expectDE([0xf6, 0xf1], (c) => {
    c.regs[EAX] = 0x100;
    c.regs[ECX] = 0;
  });
  expectDE([0xf6, 0xf1], (c) => {
    c.regs[EAX] = 0x200; // 0x200 / 2 = 0x100 > 0xff
    c.regs[ECX] = 2;
    c.setEflags(CF | ZF);
  });
  expectDE([0x66, 0xf7, 0xf1], (c) => {
    c.regs[EDX] = 0x10;
    c.regs[EAX] = 0;
    c.regs[ECX] = 0x10; // DX:AX / CX = 0x10000
  });
  expectDE([0xf7, 0xf1], (c) => {
    c.regs[EDX] = 5;
    c.regs[EAX] = 0;
    c.regs[ECX] = 5;
  });
  expectDE([0xf7, 0x33], (c) => {
    c.regs[EBX] = DATA; // div dword [ebx] = 0
    c.regs[EAX] = 1;
  });
});

test("idiv truncates toward zero; the remainder takes the dividend's sign", () => {
  const a = run([0xf6, 0xf9], (c) => {
    c.regs[EAX] = 0xfff9; // -7
    c.regs[ECX] = 2;
  });
  assert.equal(a.regs[EAX] & 0xffff, 0xfffd); // AH = -1, AL = -3
  const b = run([0x66, 0xf7, 0xf9], (c) => {
    c.regs[EDX] = 0;
    c.regs[EAX] = 7;
    c.regs[ECX] = 0xfffe; // -2
  });
  assert.equal(b.regs[EAX] & 0xffff, 0xfffd); // -3
  assert.equal(b.regs[EDX] & 0xffff, 1);
  const c64 = run([0xf7, 0xf9], (c) => {
    c.regs[EDX] = 0xffffffed | 0; // EDX:EAX = -0x12_3456_789a
    c.regs[EAX] = 0xcba98766 | 0;
    c.regs[ECX] = -0x10001;
  });
  assert.equal(c64.regs[EAX], 1193028);
  assert.equal(c64.regs[EDX], -17494);
  const min = run([0xf7, 0xf9], (c) => {
    c.regs[EDX] = -1; // EDX:EAX = -2^32
    c.regs[EAX] = 0;
    c.regs[ECX] = 2;
  });
  assert.equal(u(min.regs[EAX]), 0x80000000); // -2^31 fits
  assert.equal(min.regs[EDX], 0);
});

test("idiv overflow cases raise #DE: -128/-1 style and most-negative dividends", () => {
  expectDE([0xf6, 0xf9], (c) => {
    c.regs[EAX] = 0xff80; // -128 / -1 = 128 does not fit in AL
    c.regs[ECX] = 0xff;
  });
  expectDE([0xf6, 0xf9], (c) => {
    c.regs[EAX] = 0x8000; // -32768 / -1
    c.regs[ECX] = 0xff;
  });
  expectDE([0x66, 0xf7, 0xf9], (c) => {
    c.regs[EDX] = 0x8000; // -2^31 / -1
    c.regs[EAX] = 0;
    c.regs[ECX] = 0xffff;
  });
  expectDE([0xf7, 0xf9], (c) => {
    c.regs[EDX] = -1; // -2^31 / -1
    c.regs[EAX] = 0x80000000 | 0;
    c.regs[ECX] = -1;
  });
  expectDE([0xf7, 0xf9], (c) => {
    c.regs[EDX] = 0x80000000 | 0; // -2^63 / -1
    c.regs[EAX] = 0;
    c.regs[ECX] = -1;
  });
  expectDE([0xf7, 0xf9], (c) => {
    c.regs[EDX] = 0; // 2^31 / 1
    c.regs[EAX] = 0x80000000 | 0;
    c.regs[ECX] = 1;
  });
  expectDE([0xf7, 0xf9], (c) => {
    c.regs[EDX] = 1;
    c.regs[ECX] = 0;
  });
});

test("neg: CF = (operand != 0), OF for the most negative value", () => {
  const z = run([0xf7, 0xd8], (c) => {
    c.setEflags(CF);
  });
  assert.equal(z.regs[EAX], 0);
  assert.equal(flags(z), ZF | PF);
  const m = run([0xf6, 0xd8], (c) => {
    c.regs[EAX] = 0x80;
  });
  assert.equal(m.regs[EAX], 0x80);
  assert.equal(flags(m) & (CF | OF | SF | ZF), CF | OF | SF);
  const one = run([0x66, 0xf7, 0x1b], (c) => {
    c.regs[EBX] = DATA;
    c.write16(DS, DATA, 1);
  });
  assert.equal(one.read16(DS, DATA), 0xffff);
  assert.equal(flags(one) & (CF | SF | AF | OF), CF | SF | AF);
});

test("not changes no flag; test Eb,Ib and Ev,Iz are logical ANDs that write nothing", () => {
  const n = run([0xf7, 0x13], (c) => {
    c.regs[EBX] = DATA;
    c.write32(DS, DATA, 0x0f0f0f0f);
    c.setEflags(CF | OF);
  });
  assert.equal(n.read32(DS, DATA), 0xf0f0f0f0);
  assert.equal(flags(n), CF | OF);
  const t8 = run([0xf6, 0xc4, 0x80], (c) => {
    c.regs[EAX] = 0x8000; // test ah, 0x80
    c.setEflags(CF | OF);
  });
  assert.equal(t8.regs[EAX], 0x8000);
  assert.equal(flags(t8), SF);
  const t32 = run([0xf7, 0xc1, 0x00, 0x00, 0x00, 0x80], (c) => {
    c.regs[ECX] = 0x7fffffff;
  });
  assert.equal(flags(t32) & (ZF | SF), ZF);
});
