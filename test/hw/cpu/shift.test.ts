/**
 * Shifts and rotates (SDM vol. 2, "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR",
 * "SHLD", "SHRD"). Expected values are worked out by hand from the manual's
 * operation sections; cases marked "QEMU" pin down an architecturally
 * undefined result the way our conformance oracle (QEMU/Unicorn) produces it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ATTR_P, ATTR_S, DS, EAX, EBX, ECX } from "../../../src/hw/cpu/cpu.js";
import { AF, CF, OF, PF, SF, ZF } from "../../../src/hw/cpu/flags.js";
import { al, ax, CODE, DATA, arithFlags as flags, prepare, run } from "../../support/cpu-env.js";

test("shl al,1 of 0x80: result 0, CF = the bit shifted out, OF = MSB xor CF", () => {
  const cpu = run([0xd0, 0xe0], (c) => {
    c.regs[EAX] = 0x80;
  });
  assert.equal(al(cpu), 0);
  assert.equal(flags(cpu) & ~AF, CF | OF | ZF | PF);
});

test("shl eax,4 takes CF from bit 28", () => {
  const cpu = run([0xc1, 0xe0, 0x04], (c) => {
    c.regs[EAX] = 0x12345678;
  });
  assert.equal(cpu.regs[EAX] >>> 0, 0x23456780);
  assert.equal(flags(cpu) & (CF | ZF | SF), CF);
});

test("shl with count 0 (immediate, CL, and CL=32 masked to 0) changes no flag", () => {
  for (const [code, cl] of [
    [[0xc1, 0xe0, 0x00], 0],
    [[0xd3, 0xe0], 0],
    [[0xd3, 0xe0], 32],
    [[0xd2, 0xd0], 64], // rcl al,cl
    [[0x0f, 0xa5, 0xd8], 32], // shld eax,ebx,cl
  ] as [number[], number][]) {
    const cpu = run(code, (c) => {
      c.regs[EAX] = 0x80000001;
      c.regs[ECX] = cl;
      c.setEflags(CF | ZF | OF | AF);
    });
    assert.equal(cpu.regs[EAX] >>> 0, 0x80000001);
    assert.equal(flags(cpu), CF | ZF | OF | AF, `code ${code}`);
  }
});

test("shift count is masked to 5 bits: shl eax,cl with CL=33 shifts by 1", () => {
  const cpu = run([0xd3, 0xe0], (c) => {
    c.regs[EAX] = 0x40000000;
    c.regs[ECX] = 33;
  });
  assert.equal(cpu.regs[EAX] >>> 0, 0x80000000);
  assert.equal(flags(cpu) & (CF | OF | SF), OF | SF);
});

test("shr al,1 of 0x81: CF=1, OF = MSB of the original", () => {
  const cpu = run([0xd0, 0xe8], (c) => {
    c.regs[EAX] = 0x81;
  });
  assert.equal(al(cpu), 0x40);
  assert.equal(flags(cpu) & (CF | OF | SF | ZF), CF | OF);
});

test("sar al,1 of 0x81 keeps the sign and clears OF", () => {
  const cpu = run([0xd0, 0xf8], (c) => {
    c.regs[EAX] = 0x81;
    c.setEflags(OF);
  });
  assert.equal(al(cpu), 0xc0);
  assert.equal(flags(cpu) & (CF | OF | SF | ZF), CF | SF);
});

test("sar eax,31 of 0x80000000 fills with ones; CF = bit 30", () => {
  const cpu = run([0xc1, 0xf8, 0x1f], (c) => {
    c.regs[EAX] = 0x80000000 | 0;
  });
  assert.equal(cpu.regs[EAX], -1);
  assert.equal(flags(cpu) & (CF | SF | ZF), SF);
});

test("sal (/6) is shl", () => {
  const cpu = run([0xc0, 0xf0, 0x03], (c) => {
    c.regs[EAX] = 0x31;
  });
  assert.equal(al(cpu), 0x88);
  assert.equal(flags(cpu) & CF, CF);
});

test("shl ax,cl by 17 (past the width): result 0, CF 0 (QEMU)", () => {
  const cpu = run([0x66, 0xd3, 0xe0], (c) => {
    c.regs[EAX] = 0xffff;
    c.regs[ECX] = 17;
  });
  assert.equal(ax(cpu), 0);
  assert.equal(flags(cpu) & (CF | ZF), ZF);
});

test("shl eax,4: OF for a count > 1 uses the count-1 formula (QEMU)", () => {
  // After 3 steps 0x12345678 is 0x91a2b3c0 (MSB 1); the result 0x23456780 has MSB 0.
  const cpu = run([0xc1, 0xe0, 0x04], (c) => {
    c.regs[EAX] = 0x12345678;
  });
  assert.equal(flags(cpu) & (OF | AF), OF);
});

test("rcl al,3 through CF", () => {
  // CF:AL = 1:1010_0101 -> 1:0100_1011 -> 0:1001_0111 -> 1:0010_1110
  const cpu = run([0xc0, 0xd0, 0x03], (c) => {
    c.regs[EAX] = 0xa5;
    c.setEflags(CF | ZF);
  });
  assert.equal(al(cpu), 0x2e);
  assert.equal(flags(cpu) & (CF | ZF), CF | ZF); // ZF untouched by rotates
});

test("rcl al by 9 is a full turn (count mod 9 = 0): nothing changes; by 10 it is rcl 1", () => {
  const same = run([0xc0, 0xd0, 0x09], (c) => {
    c.regs[EAX] = 0xa5;
    c.setEflags(OF);
  });
  assert.equal(al(same), 0xa5);
  assert.equal(flags(same), OF);
  const one = run([0xc0, 0xd0, 0x0a], (c) => {
    c.regs[EAX] = 0x40;
  });
  // 0:0100_0000 -> 0:1000_0000, OF = MSB(result) xor CF = 1
  assert.equal(al(one), 0x80);
  assert.equal(flags(one) & (CF | OF), OF);
});

test("rcr al,1 moves the old CF into the MSB; OF = MSB xor old CF", () => {
  const cpu = run([0xd0, 0xd8], (c) => {
    c.regs[EAX] = 0x01;
    c.setEflags(CF);
  });
  assert.equal(al(cpu), 0x80);
  assert.equal(flags(cpu) & (CF | OF), CF | OF);
});

test("rcr ax,16 is rcl ax,1 in the 17-bit ring; rcr ax,17 does nothing", () => {
  const cpu = run([0x66, 0xc1, 0xd8, 0x10], (c) => {
    c.regs[EAX] = 0x8001;
  });
  assert.equal(ax(cpu), 0x0002);
  assert.equal(flags(cpu) & CF, CF);
  const none = run([0x66, 0xc1, 0xd8, 0x11], (c) => {
    c.regs[EAX] = 0x8001;
  });
  assert.equal(ax(none), 0x8001);
  assert.equal(flags(none) & CF, 0);
});

test("rcr eax,cl with CL=4 rotates 33 bits", () => {
  // CF=1, EAX=0x00000010: the low four bits 0000 go out, CF enters at bit 28, bit 3 (0) becomes CF.
  const cpu = run([0xd3, 0xd8], (c) => {
    c.regs[EAX] = 0x10;
    c.regs[ECX] = 4;
    c.setEflags(CF);
  });
  assert.equal(cpu.regs[EAX] >>> 0, 0x10000001);
  assert.equal(flags(cpu) & CF, 0);
});

test("rol al,8 leaves AL but sets CF from its LSB", () => {
  const cpu = run([0xc0, 0xc0, 0x08], (c) => {
    c.regs[EAX] = 0x81;
  });
  assert.equal(al(cpu), 0x81);
  assert.equal(flags(cpu) & CF, CF);
});

test("ror eax,1 of 1: CF and OF set; SF/ZF/PF/AF untouched", () => {
  const cpu = run([0xd1, 0xc8], (c) => {
    c.regs[EAX] = 1;
    c.setEflags(ZF | PF);
  });
  assert.equal(cpu.regs[EAX] >>> 0, 0x80000000);
  assert.equal(flags(cpu), CF | OF | ZF | PF);
});

test("rol word in memory by CL", () => {
  const cpu = run([0x66, 0xd3, 0x03], (c) => {
    c.regs[EBX] = DATA;
    c.regs[ECX] = 4;
    c.write16(DS, DATA, 0x1234);
  });
  assert.equal(cpu.read16(DS, DATA), 0x2341);
  assert.equal(flags(cpu) & CF, CF);
});

test("shld eax,ebx,8 and shrd eax,ebx,8", () => {
  const l = run([0x0f, 0xa4, 0xd8, 0x08], (c) => {
    c.regs[EAX] = 0x12345678;
    c.regs[EBX] = 0x9abcdef0 | 0;
  });
  assert.equal(l.regs[EAX] >>> 0, 0x3456789a);
  assert.equal(flags(l) & (CF | SF | ZF), 0); // CF = bit 24 of 0x12345678
  const r = run([0x0f, 0xac, 0xd8, 0x08], (c) => {
    c.regs[EAX] = 0x12345678;
    c.regs[EBX] = 0x9abcdef0 | 0;
  });
  assert.equal(r.regs[EAX] >>> 0, 0xf0123456);
  assert.equal(flags(r) & (CF | SF | ZF), SF); // CF = bit 7 of 0x12345678
});

test("shld by 1 sets OF when the sign changes", () => {
  const cpu = run([0x0f, 0xa4, 0xd8, 0x01], (c) => {
    c.regs[EAX] = 0x40000000;
    c.regs[EBX] = 0x80000000 | 0;
  });
  assert.equal(cpu.regs[EAX] >>> 0, 0x80000001);
  assert.equal(flags(cpu) & (CF | OF | SF), OF | SF);
});

test("shrd dword in memory by CL", () => {
  const cpu = run([0x0f, 0xad, 0x1d, 0x00, 0x20, 0x00, 0x00], (c) => {
    c.regs[EBX] = 0xabcd;
    c.regs[ECX] = 16;
    c.write32(DS, DATA, 0x12345678);
  });
  assert.equal(cpu.read32(DS, DATA), 0xabcd1234);
  assert.equal(flags(cpu) & CF, 0); // bit 15 of 0x12345678
});

test("16-bit shld/shrd with counts past 16 shift the 48-bit dst:src:dst (QEMU)", () => {
  // AX = 0x1234, BX = 0x5678: the quantity is 0x1234_5678_1234.
  const r = run([0x66, 0x0f, 0xac, 0xd8, 0x14], (c) => {
    c.regs[EAX] = 0x1234;
    c.regs[EBX] = 0x5678;
  });
  assert.equal(ax(r), 0x4567); // bits 20..35
  assert.equal(flags(r) & CF, CF); // bit 19
  const l = run([0x66, 0x0f, 0xa4, 0xd8, 0x14], (c) => {
    c.regs[EAX] = 0x1234;
    c.regs[EBX] = 0x5678;
  });
  assert.equal(ax(l), 0x6781); // bits 12..27
  assert.equal(flags(l) & CF, CF); // bit 28
});

test("16-bit shrd by 16 yields the source word", () => {
  const cpu = run([0x66, 0x0f, 0xac, 0xd8, 0x10], (c) => {
    c.regs[EAX] = 0xffff1234 | 0;
    c.regs[EBX] = 0x5678;
  });
  assert.equal(cpu.regs[EAX] >>> 0, 0xffff5678);
});

test("a shift of a read-only memory operand faults before changing anything, even by 0 (QEMU writes back)", () => {
  for (const code of [
    [0xd1, 0x23],
    [0xc1, 0x23, 0x00],
  ]) {
    const { cpu, ram, it } = prepare(
      code,
      (c) => {
        c.setSegCache(DS, 0x10, 0, 0xffffffff, ATTR_P | ATTR_S | 0x1); // read-only data
        c.regs[EBX] = DATA;
        c.bus.ram[DATA] = 0x80;
        c.setEflags(ZF);
      },
      true,
    );
    const exit = it.step();
    assert.equal(exit?.kind, "exception");
    assert.equal(exit?.kind === "exception" && exit.fault.vector, 13);
    assert.equal(ram[DATA], 0x80);
    assert.equal(flags(cpu), ZF);
    assert.equal(cpu.eip, CODE);
  }
});
