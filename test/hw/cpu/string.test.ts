/**
 * String instruction semantics (ops/string.ts): hand-computed cases, plus a
 * comparison of the bulk `rep movs`/`rep stos` paths against a plain
 * element-by-element model written here from the SDM's definition.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ATTR_DATA_RW, ATTR_DB, ATTR_P, CR0_PG, EAX, ECX, EDI, EDX, ES, ESI, TR } from "../../../src/hw/cpu/cpu.js";
import { CF, DF, SF, ZF } from "../../../src/hw/cpu/flags.js";
import { MAX_ITERATIONS } from "../../../src/hw/cpu/ops/string.js";
import { CODE, fault, flat, rd32, real, rng, step, u } from "../../support/cpu-env.js";

test("rep movsb forward onto itself + 1 replicates the first byte (element by element)", () => {
  const m = flat([0xf3, 0xa4]);
  m.ram.set([0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a], 0x2000);
  m.cpu.regs[ESI] = 0x2000;
  m.cpu.regs[EDI] = 0x2001;
  m.cpu.regs[ECX] = 8;
  step(m);
  assert.deepEqual([...m.ram.subarray(0x2000, 0x200a)], [0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x4a]);
  assert.equal(m.cpu.regs[ESI], 0x2008);
  assert.equal(m.cpu.regs[EDI], 0x2009);
  assert.equal(m.cpu.regs[ECX], 0);
  assert.equal(m.cpu.eip, CODE + 2);
});

test("rep movsd overlapping by one byte moves whole dwords in order", () => {
  const m = flat([0xf3, 0xa5]);
  m.ram.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0x2000);
  m.cpu.regs[ESI] = 0x2000;
  m.cpu.regs[EDI] = 0x2001;
  m.cpu.regs[ECX] = 2;
  step(m);
  // dword 1: read 00 01 02 03, write at 2001 → 00 00 01 02 03 05 06 07 08 09
  // dword 2: read (2004) 03 05 06 07, write at 2005 → 00 00 01 02 03 03 05 06 07 09
  assert.deepEqual([...m.ram.subarray(0x2000, 0x200a)], [0, 0, 1, 2, 3, 3, 5, 6, 7, 9]);
});

test("repne scasb stops on the match (strlen)", () => {
  const m = flat([0xf2, 0xae]);
  m.ram.set([0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x21], 0x2000);
  m.cpu.regs[EDI] = 0x2000;
  m.cpu.regs[EAX] = 0;
  m.cpu.regs[ECX] = -1;
  step(m);
  assert.equal(m.cpu.regs[EDI], 0x2006);
  assert.equal(u(m.cpu.regs[ECX]), 0xffffffff - 6);
  assert.equal(m.cpu.eflags & ZF, ZF);
  assert.equal(m.cpu.eip, CODE + 2);
});

test("repe cmpsb stops at the first difference with the flags of that comparison", () => {
  const m = flat([0xf3, 0xa6]);
  m.ram.set([1, 2, 3, 4], 0x2000);
  m.ram.set([1, 2, 9, 4], 0x3000);
  m.cpu.regs[ESI] = 0x2000;
  m.cpu.regs[EDI] = 0x3000;
  m.cpu.regs[ECX] = 4;
  step(m);
  assert.equal(m.cpu.regs[ESI], 0x2003);
  assert.equal(m.cpu.regs[EDI], 0x3003);
  assert.equal(m.cpu.regs[ECX], 1);
  // 3 - 9: borrow, negative
  assert.equal(m.cpu.eflags & (ZF | CF | SF), CF | SF);
});

test("repe cmpsw that runs out of count with everything equal leaves ZF set", () => {
  const m = flat([0x66, 0xf3, 0xa7]);
  m.ram.set([1, 2, 3, 4], 0x2000);
  m.ram.set([1, 2, 3, 4], 0x3000);
  m.cpu.regs[ESI] = 0x2000;
  m.cpu.regs[EDI] = 0x3000;
  m.cpu.regs[ECX] = 2;
  step(m);
  assert.equal(m.cpu.regs[ECX], 0);
  assert.equal(m.cpu.regs[ESI], 0x2004);
  assert.equal(m.cpu.eflags & (ZF | CF), ZF);
});

test("rep with ECX = 0 does nothing: no move, no flags, no register change", () => {
  const m = flat([0xf3, 0xa4, 0xf3, 0xa6, 0xf2, 0xae]);
  m.cpu.setEflags(CF | 0x2);
  m.ram[0x2000] = 0x55;
  m.cpu.regs[ESI] = 0x2000;
  m.cpu.regs[EDI] = 0x3000;
  step(m, 3);
  assert.equal(m.ram[0x3000], 0);
  assert.equal(m.cpu.regs[ESI], 0x2000);
  assert.equal(m.cpu.regs[EDI], 0x3000);
  assert.equal(m.cpu.eflags, CF | 0x2);
  assert.equal(m.cpu.eip, CODE + 6);
});

test("16-bit addressing wraps SI and DI at 64 KiB and keeps their upper halves", () => {
  const m = real([0xa4], { esp: null }); // movsb
  m.cpu.regs[ESI] = 0x0001ffff;
  m.cpu.regs[EDI] = 0x0003ffff;
  m.ram[0xffff] = 0x5a;
  step(m);
  assert.equal(m.ram[0xffff], 0x5a); // DS = ES = 0: copied onto itself
  assert.equal(u(m.cpu.regs[ESI]), 0x00010000);
  assert.equal(u(m.cpu.regs[EDI]), 0x00030000);
  // 67 in 32-bit code uses SI/DI/CX too, including for rep.
  const p = flat([0x67, 0xf3, 0xaa]); // a16 rep stosb
  p.cpu.regs[EDI] = 0x7777fffe;
  p.cpu.regs[ECX] = 0x55550003;
  p.cpu.regs[EAX] = 0xab;
  step(p);
  assert.equal(p.ram[0xfffe], 0xab);
  assert.equal(p.ram[0xffff], 0xab);
  assert.equal(p.ram[0x0000], 0xab);
  assert.equal(u(p.cpu.regs[EDI]), 0x77770001);
  assert.equal(u(p.cpu.regs[ECX]), 0x55550000);
});

test("67 repe cmpsb wraps SI and DI at 64 KiB", () => {
  const m = flat([0x67, 0xf3, 0xa6]);
  m.ram[0xffff] = 7;
  m.ram[0x0000] = 8;
  m.ram[0x0001] = 7;
  m.cpu.regs[ESI] = 0x1234ffff; // compares [0xffff] with [0x0001], then [0x0000] with [0x0002]
  m.cpu.regs[EDI] = 0x00000001;
  m.cpu.regs[ECX] = 0x00010005;
  step(m);
  assert.equal(u(m.cpu.regs[ESI]), 0x12340001);
  assert.equal(u(m.cpu.regs[EDI]), 0x00000003);
  assert.equal(u(m.cpu.regs[ECX]), 0x00010003);
  assert.equal(m.cpu.eflags & (ZF | CF), 0); // 8 - 0: different, no borrow
});

test("std: lodsd, stosw and movsb go down", () => {
  // std ; lodsd ; stosw ; movsb
  const m = flat([0xfd, 0xad, 0x66, 0xab, 0xa4]);
  m.cpu.regs[ESI] = 0x2000;
  m.cpu.regs[EDI] = 0x3000;
  m.ram.set([0x11, 0x22, 0x33, 0x44], 0x2000);
  m.ram[0x1ffc] = 0x99;
  step(m, 2);
  assert.equal(u(m.cpu.regs[EAX]), 0x44332211);
  assert.equal(m.cpu.regs[ESI], 0x1ffc);
  step(m);
  assert.equal(m.ram[0x3000], 0x11);
  assert.equal(m.ram[0x3001], 0x22);
  assert.equal(m.cpu.regs[EDI], 0x2ffe);
  step(m);
  assert.equal(m.ram[0x2ffe], 0x99);
  assert.equal(m.cpu.regs[ESI], 0x1ffb);
  assert.equal(m.cpu.regs[EDI], 0x2ffd);
  assert.equal(m.cpu.eflags & DF, DF);
});

test("rep stosd fills and the segment override does not apply to ES:EDI", () => {
  const m = flat([0x2e, 0xf3, 0xab]); // cs rep stosd
  m.cpu.setSegCache(ES, 0x18, 0x10000, 0xffffffff, ATTR_DATA_RW | ATTR_DB);
  m.cpu.regs[EDI] = 0x100;
  m.cpu.regs[ECX] = 3;
  m.cpu.regs[EAX] = 0x01020304;
  step(m);
  for (let k = 0; k < 3; k++) assert.equal(rd32(m.ram, 0x10100 + 4 * k), 0x01020304);
  assert.equal(rd32(m.ram, 0x1010c), 0);
  assert.equal(m.cpu.regs[EDI], 0x10c);
});

test("a fault in the middle of rep stosb keeps the completed iterations", () => {
  const m = flat([0xf3, 0xaa]);
  m.cpu.setSegCache(ES, 0x18, 0, 0x2003, ATTR_DATA_RW | ATTR_DB);
  m.cpu.regs[EDI] = 0x2000;
  m.cpu.regs[ECX] = 8;
  m.cpu.regs[EAX] = 0xee;
  const f = fault(m);
  assert.equal(f.vector, 13);
  assert.deepEqual([...m.ram.subarray(0x2000, 0x2005)], [0xee, 0xee, 0xee, 0xee, 0]);
  assert.equal(m.cpu.regs[EDI], 0x2004);
  assert.equal(m.cpu.regs[ECX], 4);
});

test("a fault in the middle of repe cmpsb keeps registers and flags of the completed iterations", () => {
  const m = flat([0xf3, 0xa6]);
  m.cpu.setSegCache(ES, 0x18, 0, 0x3001, ATTR_DATA_RW | ATTR_DB);
  m.ram.set([5, 5, 5], 0x2000);
  m.ram.set([5, 5], 0x3000);
  m.cpu.regs[ESI] = 0x2000;
  m.cpu.regs[EDI] = 0x3000;
  m.cpu.regs[ECX] = 3;
  assert.equal(fault(m).vector, 13);
  assert.equal(m.cpu.regs[ECX], 1);
  assert.equal(m.cpu.regs[ESI], 0x2002);
  assert.equal(m.cpu.regs[EDI], 0x3002);
  assert.equal(m.cpu.eflags & ZF, ZF);
});

test("a long rep yields after MAX_ITERATIONS and resumes on the next step", () => {
  const m = flat([0xf3, 0xaa, 0x90]);
  const total = MAX_ITERATIONS + 100;
  m.cpu.regs[EDI] = 0x20000;
  m.cpu.regs[ECX] = total;
  m.cpu.regs[EAX] = 1;
  step(m);
  assert.equal(m.cpu.eip, CODE);
  assert.equal(m.cpu.regs[ECX], 100);
  assert.equal(m.cpu.regs[EDI], 0x20000 + MAX_ITERATIONS);
  step(m);
  assert.equal(m.cpu.eip, CODE + 2);
  assert.equal(m.cpu.regs[ECX], 0);
  assert.equal(m.ram[0x20000 + total - 1], 1);
  assert.equal(m.ram[0x20000 + total], 0);
});

test("rep insb reads the port per element; rep outsw writes it", () => {
  const m = flat([0xf3, 0x6c, 0x66, 0xf3, 0x6f]);
  let next = 0x10;
  const written: number[] = [];
  m.bus.ioReadHandler = (port, size) => {
    assert.equal(port, 0x3f8);
    assert.equal(size, 1);
    return next++;
  };
  m.bus.ioWriteHandler = (port, size, v) => {
    assert.equal(port, 0x3f8);
    assert.equal(size, 2);
    written.push(v);
  };
  m.cpu.regs[EDX] = 0x3f8;
  m.cpu.regs[EDI] = 0x2000;
  m.cpu.regs[ECX] = 3;
  step(m);
  assert.deepEqual([...m.ram.subarray(0x2000, 0x2004)], [0x10, 0x11, 0x12, 0]);
  assert.equal(m.cpu.regs[EDI], 0x2003);
  m.cpu.regs[ESI] = 0x2000;
  m.cpu.regs[ECX] = 2;
  step(m);
  assert.deepEqual(written, [0x1110, 0x0012]);
  assert.equal(m.cpu.regs[ESI], 0x2004);
});

test("ins whose destination faults does not read the port", () => {
  const m = flat([0x6c]);
  let reads = 0;
  m.bus.ioReadHandler = () => {
    reads++;
    return 0;
  };
  m.cpu.setSegCache(ES, 0, 0, 0, 0);
  assert.equal(fault(m).vector, 13);
  assert.equal(reads, 0);
});

test("outs at CPL 3 above IOPL, port past the TSS bitmap: #GP(0) before any I/O", () => {
  const m = flat([0x6e]);
  // A 32-bit TSS at 0 whose limit ends at the bitmap base: every port is denied.
  m.cpu.setSegCache(TR, 0x28, 0, 0x67, ATTR_P | 0xb);
  let writes = 0;
  m.bus.ioWriteHandler = () => {
    writes++;
  };
  m.cpu.cpl = 3;
  const f = fault(m);
  assert.equal(f.vector, 13);
  assert.equal(f.errorCode, 0);
  assert.equal(writes, 0);
});

test("rep movsd through paging: the copy follows the page mapping across a page boundary", () => {
  const m = flat([0xf3, 0xa5]);
  const pd = 0x40000;
  const pt = 0x41000;
  for (let k = 0; k < 256; k++) {
    const a = pt + 4 * k;
    const v = (k << 12) | 7;
    m.ram.set([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, 0], a);
  }
  // Linear page 0x5000 → physical 0x9000.
  m.ram.set([0x07, 0x90, 0, 0], pt + 4 * 5);
  m.ram.set([0x07, 0x10, 0x04, 0], pd); // PDE 0 → page table at 0x41000
  m.cpu.cr3 = pd;
  m.cpu.cr0 |= CR0_PG;
  m.cpu.walker.flush();
  for (let k = 0; k < 16; k++) m.ram[0x4ff0 + k] = k;
  for (let k = 0; k < 16; k++) m.ram[0x9000 + k] = 0x80 + k;
  m.cpu.regs[ESI] = 0x4ff0;
  m.cpu.regs[EDI] = 0x6000;
  m.cpu.regs[ECX] = 8;
  step(m);
  const want = [...Array(16).keys(), ...Array.from({ length: 16 }, (_, k) => 0x80 + k)];
  assert.deepEqual([...m.ram.subarray(0x6000, 0x6020)], want);
  assert.equal(m.cpu.regs[ESI], 0x5010);
});

/** The SDM's definition, one element at a time, on a flat copy of memory. */
function modelMovs(ram: Uint8Array, si: number, di: number, count: number, size: number, down: boolean): void {
  const step = down ? -size : size;
  for (let n = 0; n < count; n++) {
    const t = ram.slice(si, si + size);
    ram.set(t, di);
    si += step;
    di += step;
  }
}

test("bulk rep movs/stos agree with the element-by-element model (random overlaps, sizes, directions)", () => {
  const next = rng(12345);
  for (let trial = 0; trial < 300; trial++) {
    const size = [1, 2, 4][next() % 3];
    const down = next() % 4 === 0;
    const stos = next() % 4 === 0;
    const count = next() % 3000;
    const base = 0x20000;
    const si = base + (next() % 0x3000);
    const di = next() % 2 ? si + (next() % 64) - 16 : base + (next() % 0x3000);
    const m = flat([down ? 0xfd : 0xfc, ...(size === 2 ? [0x66] : []), 0xf3, (stos ? 0xaa : 0xa4) + (size > 1 ? 1 : 0)]);
    for (let k = 0; k < 0x8000; k++) m.ram[base - 0x2000 + k] = next() & 0xff;
    const model = m.ram.slice();
    const v = next();
    if (stos) {
      const delta = down ? -size : size;
      for (let n = 0, d = di; n < count; n++, d += delta) {
        for (let b = 0; b < size; b++) model[d + b] = (v >>> (8 * b)) & 0xff;
      }
    } else modelMovs(model, si, di, count, size, down);
    m.cpu.regs[ESI] = si;
    m.cpu.regs[EDI] = di;
    m.cpu.regs[ECX] = count;
    m.cpu.regs[EAX] = v;
    step(m, 2);
    const what = `trial ${trial}: ${stos ? "stos" : "movs"} size ${size} ${down ? "down" : "up"} count ${count} si ${si.toString(16)} di ${di.toString(16)}`;
    assert.ok(Buffer.from(m.ram).equals(Buffer.from(model)), what);
    const moved = down ? -size * count : size * count;
    assert.equal(m.cpu.regs[EDI], di + moved, what);
    if (!stos) assert.equal(m.cpu.regs[ESI], si + moved, what);
    assert.equal(m.cpu.regs[ECX], 0, what);
  }
});
