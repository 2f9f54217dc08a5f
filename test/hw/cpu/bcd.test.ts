/**
 * Decimal adjustments (SDM vol. 2, DAA/DAS/AAA/AAS/AAM/AAD operation
 * sections) and SALC. Values worked by hand from the pseudo-code.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { EAX } from "../../../src/hw/cpu/cpu.js";
import { AF, CF, PF, SF, ZF } from "../../../src/hw/cpu/flags.js";
import { al, ax, CODE, arithFlags as flags, prepare, run } from "../../support/cpu-env.js";

test("add al,29h; daa: 38 + 29 = 67 (the low digit carried: AF)", () => {
  const cpu = run([0x04, 0x29, 0x27], (c) => {
    c.regs[EAX] = 0x38;
  });
  assert.equal(al(cpu), 0x67);
  assert.equal(flags(cpu) & (CF | AF | ZF | SF), AF);
});

test("add al,35h; daa: 79 + 35 = 114 (both digits adjust, CF set)", () => {
  const cpu = run([0x04, 0x35, 0x27], (c) => {
    c.regs[EAX] = 0x79;
  });
  assert.equal(al(cpu), 0x14);
  assert.equal(flags(cpu) & (CF | AF | ZF | SF), CF | AF);
});

test("daa: 99 + 01 = 00 with carry, ZF and PF from the result", () => {
  const cpu = run([0x04, 0x01, 0x27], (c) => {
    c.regs[EAX] = 0x99;
  });
  assert.equal(al(cpu), 0x00);
  assert.equal(flags(cpu) & (CF | AF | ZF | SF | PF), CF | AF | ZF | PF);
});

test("daa with CF in: the high digit adjusts even when AL <= 99h", () => {
  const cpu = run([0x27], (c) => {
    c.regs[EAX] = 0x12;
    c.setEflags(CF);
  });
  assert.equal(al(cpu), 0x72);
  assert.equal(flags(cpu) & (CF | AF), CF);
});

test("sub al,47h; das: 35 - 47 = 88 borrow 1", () => {
  const cpu = run([0x2c, 0x47, 0x2f], (c) => {
    c.regs[EAX] = 0x35;
  });
  assert.equal(al(cpu), 0x88);
  assert.equal(flags(cpu) & (CF | AF | SF | ZF), CF | AF | SF);
});

test("das: the borrow from AL-6 alone sets CF (no ELSE CF=0 in the second step)", () => {
  const cpu = run([0x2f], (c) => {
    c.regs[EAX] = 0x03;
    c.setEflags(AF);
  });
  assert.equal(al(cpu), 0xfd);
  assert.equal(flags(cpu) & (CF | AF), CF | AF);
});

test("das with no adjustment clears CF and AF", () => {
  const cpu = run([0x2f], (c) => {
    c.regs[EAX] = 0x42;
  });
  assert.equal(al(cpu), 0x42);
  assert.equal(flags(cpu) & (CF | AF | ZF), 0);
});

test("add al,8; aaa: unpacked 9 + 8 = 1:7", () => {
  const cpu = run([0x04, 0x08, 0x37], (c) => {
    c.regs[EAX] = 0x0009;
  });
  assert.equal(ax(cpu), 0x0107);
  assert.equal(flags(cpu) & (CF | AF), CF | AF);
});

test("aaa adds 106h to AX: AL = FAh carries into AH twice over", () => {
  const cpu = run([0x37], (c) => {
    c.regs[EAX] = 0x00fa;
  });
  assert.equal(ax(cpu), 0x0200);
  assert.equal(flags(cpu) & (CF | AF), CF | AF);
});

test("aaa with no adjustment clears the high nibble of AL, CF and AF", () => {
  const cpu = run([0x37], (c) => {
    c.regs[EAX] = 0x0535;
    c.setEflags(CF | ZF);
  });
  assert.equal(ax(cpu), 0x0505);
  assert.equal(flags(cpu) & (CF | AF), 0);
});

test("sub al,5; aas: unpacked 1:2 - 5 = 0:7", () => {
  const cpu = run([0x2c, 0x05, 0x3f], (c) => {
    c.regs[EAX] = 0x0102;
  });
  assert.equal(ax(cpu), 0x0007);
  assert.equal(flags(cpu) & (CF | AF), CF | AF);
});

test("aas subtracts 106h from AX: AH takes the borrow of AL-6", () => {
  const cpu = run([0x3f], (c) => {
    c.regs[EAX] = 0x0503;
    c.setEflags(AF);
  });
  assert.equal(ax(cpu), 0x030d);
  assert.equal(flags(cpu) & (CF | AF), CF | AF);
});

test("aam: AL 63 -> AH 6, AL 3; SF ZF PF from AL; any base", () => {
  const cpu = run([0xd4, 0x0a], (c) => {
    c.regs[EAX] = 0xff3f;
  });
  assert.equal(ax(cpu), 0x0603);
  assert.equal(flags(cpu) & (ZF | SF | PF), PF);
  const hex = run([0xd4, 0x10], (c) => {
    c.regs[EAX] = 0xab;
  });
  assert.equal(ax(hex), 0x0a0b);
  const zero = run([0xd4, 0x0a], (c) => {
    c.regs[EAX] = 0x50;
  });
  assert.equal(ax(zero), 0x0800);
  assert.equal(flags(zero) & (ZF | SF | PF), ZF | PF);
});

test("aam 0 raises #DE and changes nothing", () => {
  const { cpu, it } = prepare(
    [0xd4, 0x00],
    (c) => {
      c.regs[EAX] = 0x1234;
      c.setEflags(CF | SF);
    },
    true,
  );
  const exit = it.step();
  assert.equal(exit?.kind, "exception");
  assert.equal(exit?.kind === "exception" && exit.fault.vector, 0);
  assert.equal(cpu.regs[EAX], 0x1234);
  assert.equal(flags(cpu), CF | SF);
  assert.equal(cpu.eip, CODE);
});

test("aad: AL = AH*base + AL, AH = 0, with wrap-around and any base", () => {
  const a = run([0xd5, 0x0a], (c) => {
    c.regs[EAX] = 0x0603;
  });
  assert.equal(ax(a), 0x003f);
  const b = run([0xd5, 0x10], (c) => {
    c.regs[EAX] = 0x0a0b;
  });
  assert.equal(ax(b), 0x00ab);
  assert.equal(flags(b) & (SF | ZF), SF);
  const c = run([0xd5, 0x0a], (cpu) => {
    cpu.regs[EAX] = 0x1a05; // 26*10 + 5 = 265 = 0x109
  });
  assert.equal(ax(c), 0x0009);
});

test("salc: AL = CF ? FFh : 0, flags unchanged", () => {
  const set = run([0xd6], (c) => {
    c.regs[EAX] = 0x1200;
    c.setEflags(CF | ZF);
  });
  assert.equal(ax(set), 0x12ff);
  assert.equal(flags(set), CF | ZF);
  const clear = run([0xd6], (c) => {
    c.regs[EAX] = 0x12ab;
  });
  assert.equal(ax(clear), 0x1200);
});
