/**
 * BT/BTS/BTR/BTC, BSF/BSR and BSWAP (SDM vol. 2). The memory forms with a
 * register bit offset are the interesting part: the offset is signed and
 * selects a word/dword relative to the effective address.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ATTR_P, ATTR_S, type Cpu, DS, EAX, EBX, ECX, EDX } from "../../../src/hw/cpu/cpu.js";
import { CF, ZF } from "../../../src/hw/cpu/flags.js";
import { CODE, DATA, arithFlags as flags, prepare, run, u } from "../../support/cpu-env.js";

/** Execute one instruction that must fault (the fault is intercepted, not delivered). */
function fault(code: number[], init: (cpu: Cpu) => void = () => {}): { cpu: Cpu; vector: number } {
  const { cpu, it } = prepare(code, init, true);
  const exit = it.step();
  assert.equal(exit?.kind, "exception");
  return { cpu, vector: exit?.kind === "exception" ? exit.fault.vector : -1 };
}

test("bt eax,ecx: register offsets are taken modulo 32", () => {
  for (const [ecx, cf] of [
    [31, CF],
    [63, CF],
    [30, 0],
    [-1, CF],
  ]) {
    const cpu = run([0x0f, 0xa3, 0xc8], (c) => {
      c.regs[EAX] = 0x80000000 | 0;
      c.regs[ECX] = ecx;
    });
    assert.equal(flags(cpu) & CF, cf, `ecx=${ecx}`);
  }
});

test("bts/btr/btc on registers return the old bit in CF; ZF is left alone", () => {
  const s = run([0x0f, 0xab, 0xc8], (c) => {
    c.regs[ECX] = 5;
    c.setEflags(ZF);
  });
  assert.equal(s.regs[EAX], 0x20);
  assert.equal(flags(s) & (CF | ZF), ZF);
  const r = run([0x0f, 0xb3, 0xc8], (c) => {
    c.regs[EAX] = -1;
    c.regs[ECX] = 31;
  });
  assert.equal(u(r.regs[EAX]), 0x7fffffff);
  assert.equal(flags(r) & (CF | ZF), CF);
  const w = run([0x66, 0x0f, 0xbb, 0xc8], (c) => {
    c.regs[EAX] = 0x12340000;
    c.regs[ECX] = 0x1f; // 31 mod 16 = 15
  });
  assert.equal(u(w.regs[EAX]), 0x12348000);
  assert.equal(flags(w) & CF, 0);
});

test("bt [mem],ecx with a negative offset reaches below the effective address", () => {
  // ECX = -1: dword at ea - 4, bit 31, i.e. bit 7 of byte ea - 1.
  const cpu = run([0x0f, 0xab, 0x0b], (c) => {
    c.regs[EBX] = DATA;
    c.regs[ECX] = -1;
  });
  assert.equal(cpu.read8(DS, DATA - 1), 0x80);
  assert.equal(cpu.read32(DS, DATA - 4), 0x80000000);
  assert.equal(cpu.read32(DS, DATA), 0);
  assert.equal(flags(cpu) & CF, 0);
  // ECX = -33: dword at ea - 8, bit 31.
  const far = run([0x0f, 0xa3, 0x0b], (c) => {
    c.regs[EBX] = DATA;
    c.regs[ECX] = -33;
    c.write32(DS, DATA - 8, 0x80000000);
  });
  assert.equal(flags(far) & CF, CF);
});

test("bt [mem],ecx with a large positive offset", () => {
  // 100 = 3*32 + 4: dword at ea + 12, bit 4.
  const cpu = run([0x0f, 0xb3, 0x0b], (c) => {
    c.regs[EBX] = DATA;
    c.regs[ECX] = 100;
    c.write32(DS, DATA + 12, 0xff);
  });
  assert.equal(cpu.read32(DS, DATA + 12), 0xef);
  assert.equal(flags(cpu) & CF, CF);
});

test("16-bit bt [mem],cx: the offset is CX sign-extended and words are 2 bytes apart", () => {
  // CX = FFFFh (-1): word at ea - 2, bit 15. The upper half of ECX does not count.
  const neg = run([0x66, 0x0f, 0xab, 0x0b], (c) => {
    c.regs[EBX] = DATA;
    c.regs[ECX] = 0x0001ffff;
  });
  assert.equal(neg.read16(DS, DATA - 2), 0x8000);
  assert.equal(neg.read16(DS, DATA), 0);
  // CX = 17: word at ea + 2, bit 1.
  const pos = run([0x66, 0x0f, 0xa3, 0x0b], (c) => {
    c.regs[EBX] = DATA;
    c.regs[ECX] = 17;
    c.write16(DS, DATA + 2, 0x0002);
  });
  assert.equal(flags(pos) & CF, CF);
});

test("bt with 16-bit addressing wraps the adjusted address at 64 KiB", () => {
  // [bx] with BX = 0, bit offset -8 (32-bit operand): dword at 0xFFFC, bit 24.
  const cpu = run([0x67, 0x0f, 0xab, 0x0f], (c) => {
    c.regs[EBX] = 0x10000; // BX = 0
    c.regs[ECX] = -8;
  });
  assert.equal(cpu.read32(DS, 0xfffc), 0x01000000);
});

test("0F BA: the immediate offset is masked to the operand size, no displacement for memory", () => {
  const r = run([0x0f, 0xba, 0xe0, 0x21], (c) => {
    c.regs[EAX] = 2; // bt eax, 33 -> bit 1
  });
  assert.equal(flags(r) & CF, CF);
  const m = run([0x0f, 0xba, 0x2b, 0x21], (c) => {
    c.regs[EBX] = DATA; // bts dword [ebx], 33 -> bit 1 of the dword at ea
  });
  assert.equal(m.read32(DS, DATA), 2);
  assert.equal(m.read32(DS, DATA + 4), 0);
  const w = run([0x66, 0x0f, 0xba, 0xf8, 0x1f], (c) => {
    c.regs[EAX] = 0x8000; // btc ax, 31 -> bit 15
  });
  assert.equal(w.regs[EAX], 0);
  assert.equal(flags(w) & CF, CF);
});

test("0F BA /0 to /3 are invalid", () => {
  for (let reg = 0; reg < 4; reg++) {
    const f = fault([0x0f, 0xba, 0xc0 | (reg << 3), 0x01]);
    assert.equal(f.vector, 6);
    assert.equal(f.cpu.eip, CODE);
  }
});

test("bts on a read-only segment faults with nothing changed", () => {
  const f = fault([0x0f, 0xab, 0x0b], (c) => {
    c.setSegCache(DS, 0x10, 0, 0xffffffff, ATTR_P | ATTR_S | 0x1);
    c.regs[EBX] = DATA;
    c.regs[ECX] = 3;
    c.setEflags(CF);
  });
  assert.equal(f.vector, 13);
  assert.equal(f.cpu.bus.ram[DATA], 0);
  assert.equal(flags(f.cpu), CF);
});

test("bsf/bsr find the lowest/highest set bit", () => {
  const f = run([0x0f, 0xbc, 0xc1], (c) => {
    c.regs[ECX] = 0xf0;
    c.setEflags(ZF);
  });
  assert.equal(f.regs[EAX], 4);
  assert.equal(flags(f) & ZF, 0);
  const r = run([0x0f, 0xbd, 0xc1], (c) => {
    c.regs[ECX] = 0xf0;
  });
  assert.equal(r.regs[EAX], 7);
  const top = run([0x0f, 0xbd, 0xc1], (c) => {
    c.regs[ECX] = -1;
  });
  assert.equal(top.regs[EAX], 31);
  const w = run([0x66, 0x0f, 0xbd, 0xc1], (c) => {
    c.regs[EAX] = 0x12340000;
    c.regs[ECX] = 0xffff8000; // only CX counts
  });
  assert.equal(u(w.regs[EAX]), 0x1234000f);
  const m = run([0x0f, 0xbc, 0x13], (c) => {
    c.regs[EBX] = DATA;
    c.write32(DS, DATA, 0x80000000);
  });
  assert.equal(m.regs[EDX], 31);
});

test("bsr/bsf of 0: ZF=1 and the destination is unchanged", () => {
  for (const op of [0xbc, 0xbd]) {
    const cpu = run([0x0f, op, 0xc1], (c) => {
      c.regs[EAX] = 0x12345678;
      c.regs[ECX] = 0;
    });
    assert.equal(cpu.regs[EAX], 0x12345678);
    assert.equal(flags(cpu) & ZF, ZF);
  }
  const w = run([0x66, 0x0f, 0xbd, 0xc1], (c) => {
    c.regs[EAX] = 0x12345678;
    c.regs[ECX] = 0xffff0000; // CX = 0
  });
  assert.equal(w.regs[EAX], 0x12345678);
  assert.equal(flags(w) & ZF, ZF);
});

test("bswap reverses the bytes of a 32-bit register", () => {
  const cpu = run([0x0f, 0xc8, 0x0f, 0xcb], (c) => {
    c.regs[EAX] = 0x12345678;
    c.regs[EBX] = 0x80000001 | 0;
  });
  assert.equal(cpu.regs[EAX], 0x78563412);
  assert.equal(cpu.regs[EBX], 0x01000080);
});

test("bswap with a 16-bit operand size zeroes the low word (QEMU 2.1-era Unicorn, real CPUs)", () => {
  const cpu = run([0x66, 0x0f, 0xc9], (c) => {
    c.regs[ECX] = 0x12345678;
  });
  assert.equal(cpu.regs[ECX], 0x12340000);
});
