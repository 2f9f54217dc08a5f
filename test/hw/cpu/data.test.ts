/**
 * Data-movement semantics (ops/data.ts), with values worked out by hand
 * from the SDM's operation sections.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DS, EAX, EBX, ECX, EDX, ESI, SS } from "../../../src/hw/cpu/cpu.js";
import { AF, CF, DF, OF, PF, SF, ZF } from "../../../src/hw/cpu/flags.js";
import { CODE, fault, flat, rd32, real, step, u, wr32 } from "../../support/cpu-env.js";

test("mov r32, sreg zero-fills the upper half; 66-prefixed writes only AX; memory is a 16-bit store", () => {
  // mov eax, ds ; mov bx, ds (66) ; mov [0x2000], ds
  const m = flat([0x8c, 0xd8, 0x66, 0x8c, 0xdb, 0x8c, 0x1d, 0x00, 0x20, 0x00, 0x00]);
  m.cpu.regs[EAX] = -1;
  m.cpu.regs[EBX] = -1;
  wr32(m.ram, 0x2000, 0xaaaaaaaa);
  step(m, 3);
  assert.equal(u(m.cpu.regs[EAX]), 0x00000010);
  assert.equal(u(m.cpu.regs[EBX]), 0xffff0010);
  assert.equal(rd32(m.ram, 0x2000), 0xaaaa0010);
});

test("mov sreg: CS and reg 6 are #UD; mov ss sets the interrupt shadow", () => {
  const m = flat([0x8e, 0xc8]); // mov cs, ax
  assert.equal(fault(m).vector, 6);
  const n = flat([0x8e, 0xf0]); // mov (reg 6), ax
  assert.equal(fault(n).vector, 6);
  const r = real([0x8e, 0xd0]); // mov ss, ax
  r.cpu.regs[EAX] = 0x1234;
  step(r);
  assert.equal(r.cpu.segSel[SS], 0x1234);
  assert.equal(r.cpu.segBase[SS], 0x12340);
  assert.equal(r.cpu.inhibitInterrupts, true);
});

test("moffs forms read and write at the displacement, address size from 67", () => {
  // mov eax, [0x2000] ; mov [0x2004], al ; 67 mov ax? no: 67 A1 uses a 16-bit offset
  const m = flat([0xa1, 0x00, 0x20, 0x00, 0x00, 0xa2, 0x04, 0x20, 0x00, 0x00, 0x67, 0xa1, 0x08, 0x20]);
  wr32(m.ram, 0x2000, 0x11223344);
  wr32(m.ram, 0x2008, 0x55667788);
  step(m, 2);
  assert.equal(u(m.cpu.regs[EAX]), 0x11223344);
  assert.equal(m.ram[0x2004], 0x44);
  step(m);
  assert.equal(u(m.cpu.regs[EAX]), 0x55667788);
  assert.equal(m.cpu.eip, CODE + 14);
});

test("C6/C7 with reg != 0 are #UD; C7 /0 stores the immediate", () => {
  const m = flat([0xc7, 0x05, 0x00, 0x20, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12]);
  step(m);
  assert.equal(rd32(m.ram, 0x2000), 0x12345678);
  const n = flat([0xc7, 0xc8, 0, 0, 0, 0]); // C7 /1
  assert.equal(fault(n).vector, 6);
});

test("lea: 32-bit SIB, 16-bit address wrap, truncation to 16 bits, #UD register form", () => {
  // lea eax, [ebx+ecx*4+0x10]
  const m = flat([0x8d, 0x44, 0x8b, 0x10]);
  m.cpu.regs[EBX] = 0x1000;
  m.cpu.regs[ECX] = 3;
  step(m);
  assert.equal(m.cpu.regs[EAX], 0x101c);
  // 67 lea eax, [bx+si+0x10]: the sum wraps at 64 KiB and is zero-extended
  const a = flat([0x67, 0x8d, 0x40, 0x10]);
  a.cpu.regs[EAX] = -1;
  a.cpu.regs[EBX] = 0x7777fff0;
  a.cpu.regs[ESI] = 0x10;
  step(a);
  assert.equal(a.cpu.regs[EAX], 0x10);
  // 66 lea ax, [ebx+1]: only AX changes
  const o = flat([0x66, 0x8d, 0x43, 0x01]);
  o.cpu.regs[EAX] = 0x12345678;
  o.cpu.regs[EBX] = 0x0001ffff;
  step(o);
  assert.equal(u(o.cpu.regs[EAX]), 0x12340000);
  const r = flat([0x8d, 0xc0]);
  assert.equal(fault(r).vector, 6);
});

test("xchg with memory and between byte registers", () => {
  const m = flat([0x87, 0x05, 0x00, 0x20, 0x00, 0x00, 0x86, 0xe0]); // xchg [0x2000], eax ; xchg al, ah
  wr32(m.ram, 0x2000, 0xcafebabe);
  m.cpu.regs[EAX] = 0x11223344;
  step(m);
  assert.equal(rd32(m.ram, 0x2000), 0x11223344);
  assert.equal(u(m.cpu.regs[EAX]), 0xcafebabe);
  step(m);
  assert.equal(u(m.cpu.regs[EAX]), 0xcafebeba);
});

test("cbw, cwde, cwd, cdq", () => {
  const m = flat([0x66, 0x98, 0x98, 0x99, 0x66, 0x99]);
  m.cpu.regs[EAX] = 0x12345680;
  m.cpu.regs[EDX] = 0x5555aaaa;
  step(m); // cbw: AX = 0xff80
  assert.equal(u(m.cpu.regs[EAX]), 0x1234ff80);
  step(m); // cwde
  assert.equal(u(m.cpu.regs[EAX]), 0xffffff80);
  step(m); // cdq
  assert.equal(u(m.cpu.regs[EDX]), 0xffffffff);
  m.cpu.regs[EAX] = 0x8000_7fff;
  step(m); // cwd: AX positive
  assert.equal(u(m.cpu.regs[EDX]), 0xffff0000);
});

test("cmovcc: false leaves a 32-bit destination alone, true moves, memory source read either way", () => {
  // cmp eax, eax (ZF=1) ; cmovne ecx, ebx ; cmove edx, ebx
  const m = flat([0x39, 0xc0, 0x0f, 0x45, 0xcb, 0x0f, 0x44, 0xd3]);
  m.cpu.regs[EBX] = 0x12345678;
  m.cpu.regs[ECX] = 0xdeadbeef | 0;
  m.cpu.regs[EDX] = 0;
  step(m, 3);
  assert.equal(u(m.cpu.regs[ECX]), 0xdeadbeef);
  assert.equal(u(m.cpu.regs[EDX]), 0x12345678);
  // cmove eax, [ebx] with ZF=0 and an unusable DS: the read still faults
  const f = flat([0x0f, 0x44, 0x03]);
  f.cpu.setSegCache(DS, 0, 0, 0, 0);
  assert.equal(fault(f).vector, 13);
});

test("setcc writes 0/1 to a byte", () => {
  const m = flat([0xf9, 0x0f, 0x92, 0xc0, 0x0f, 0x93, 0xc4]); // stc ; setb al ; setae ah
  m.cpu.regs[EAX] = 0x5555;
  step(m, 3);
  assert.equal(m.cpu.regs[EAX] & 0xffff, 0x0001);
});

test("movzx and movsx at both operand sizes", () => {
  // movsx eax, bl ; 66 movsx cx, bl ; movzx edx, bx ; movsx esi, bx
  const m = flat([0x0f, 0xbe, 0xc3, 0x66, 0x0f, 0xbe, 0xcb, 0x0f, 0xb7, 0xd3, 0x0f, 0xbf, 0xf3]);
  m.cpu.regs[EBX] = 0x8180;
  m.cpu.regs[ECX] = 0x12345678;
  step(m, 4);
  assert.equal(u(m.cpu.regs[EAX]), 0xffffff80);
  assert.equal(u(m.cpu.regs[ECX]), 0x1234ff80);
  assert.equal(u(m.cpu.regs[EDX]), 0x00008180);
  assert.equal(u(m.cpu.regs[ESI]), 0xffff8180);
});

test("xadd: register and memory forms; with the same register the sum wins", () => {
  // xadd eax, ebx ; xadd [0x2000], ecx ; xadd edx, edx
  const m = flat([0x0f, 0xc1, 0xd8, 0x0f, 0xc1, 0x0d, 0x00, 0x20, 0x00, 0x00, 0x0f, 0xc1, 0xd2]);
  m.cpu.regs[EAX] = 1;
  m.cpu.regs[EBX] = 2;
  m.cpu.regs[ECX] = 0xffffffff | 0;
  m.cpu.regs[EDX] = 5;
  wr32(m.ram, 0x2000, 1);
  step(m);
  assert.equal(m.cpu.regs[EAX], 3);
  assert.equal(m.cpu.regs[EBX], 1);
  step(m);
  assert.equal(rd32(m.ram, 0x2000), 0);
  assert.equal(m.cpu.regs[ECX], 1);
  assert.equal(m.cpu.eflags & (CF | ZF | AF), CF | ZF | AF);
  step(m);
  assert.equal(m.cpu.regs[EDX], 10);
});

test("cmpxchg: equal stores the source; different loads the accumulator, flags as cmp", () => {
  // cmpxchg [ebx], ecx twice
  const m = flat([0x0f, 0xb1, 0x0b, 0x0f, 0xb1, 0x0b]);
  m.cpu.regs[EBX] = 0x2000;
  m.cpu.regs[ECX] = 0x99;
  m.cpu.regs[EAX] = 7;
  wr32(m.ram, 0x2000, 7);
  step(m);
  assert.equal(rd32(m.ram, 0x2000), 0x99);
  assert.equal(m.cpu.eflags & ZF, ZF);
  m.cpu.regs[EAX] = 5;
  step(m); // 5 - 0x99: borrow, negative, not zero
  assert.equal(m.cpu.regs[EAX], 0x99);
  assert.equal(rd32(m.ram, 0x2000), 0x99);
  assert.equal(m.cpu.eflags & (ZF | CF | SF | OF), CF | SF);
});

test("cmpxchg8b: both outcomes; only ZF changes; register form #UD", () => {
  // stc ; cmpxchg8b [esi] ; cmpxchg8b [esi]
  const m = flat([0xf9, 0x0f, 0xc7, 0x0e, 0x0f, 0xc7, 0x0e]);
  m.cpu.regs[ESI] = 0x2000;
  wr32(m.ram, 0x2000, 0x22222222);
  wr32(m.ram, 0x2004, 0x11111111);
  m.cpu.regs[EAX] = 0x22222222;
  m.cpu.regs[EDX] = 0x11111111;
  m.cpu.regs[EBX] = 0x33333333;
  m.cpu.regs[ECX] = 0x44444444;
  step(m, 2);
  assert.equal(rd32(m.ram, 0x2000), 0x33333333);
  assert.equal(rd32(m.ram, 0x2004), 0x44444444);
  assert.equal(m.cpu.eflags & (ZF | CF), ZF | CF);
  // Now EDX:EAX (unchanged) differs from memory: it is loaded, ZF cleared.
  step(m);
  assert.equal(m.cpu.regs[EAX], 0x33333333);
  assert.equal(m.cpu.regs[EDX], 0x44444444);
  assert.equal(m.cpu.eflags & (ZF | CF), CF);
  const r = flat([0x0f, 0xc7, 0xce]);
  assert.equal(fault(r).vector, 6);
  const q = flat([0x0f, 0xc7, 0x16]); // 0F C7 /2
  assert.equal(fault(q).vector, 6);
});

test("sahf loads SF ZF AF PF CF from AH, leaving OF; lahf stores the low flags byte", () => {
  // sahf ; lahf
  const m = flat([0x9e, 0x9f]);
  m.cpu.setEflags(OF | 0x2);
  m.cpu.regs[EAX] = 0xff00;
  step(m);
  assert.equal(m.cpu.eflags & 0xfff, OF | SF | ZF | AF | PF | CF | 0x2);
  m.cpu.regs[EAX] = 0;
  step(m);
  assert.equal(m.cpu.regs[EAX], 0xd700);
});

test("cmc, clc, stc, cld, std", () => {
  const m = flat([0xf9, 0xf5, 0xfd]); // stc ; cmc ; std
  step(m, 2);
  assert.equal(m.cpu.eflags & CF, 0);
  step(m);
  assert.equal(m.cpu.eflags & DF, DF);
  const n = flat([0xf5, 0xfc, 0xf8]); // cmc ; cld ; clc
  step(n);
  assert.equal(n.cpu.eflags & CF, CF);
  step(n, 2);
  assert.equal(n.cpu.eflags & (CF | DF), 0);
});

test("xlat uses [ebx+al], and [bx+al] wrapped under 67", () => {
  const m = flat([0xd7, 0x67, 0xd7]);
  m.cpu.regs[EBX] = 0x2000;
  m.cpu.regs[EAX] = 3;
  m.ram[0x2003] = 0x20;
  m.ram[0x2020] = 0x42;
  step(m);
  assert.equal(m.cpu.regs[EAX], 0x20);
  m.cpu.regs[EBX] = 0x0001fff0; // BX = 0xfff0; 0xfff0 + 0x20 wraps to 0x10
  m.ram[0x10] = 0x77;
  step(m);
  assert.equal(m.cpu.regs[EAX], 0x77);
});

test("lds in real mode loads offset and segment; the new base is used at once", () => {
  // lds si, [0x2000] ; mov al, [si]
  const r = real([0xc5, 0x36, 0x00, 0x20, 0x8a, 0x04]);
  r.ram.set([0x34, 0x12, 0x00, 0x50], 0x2000);
  r.ram[0x51234] = 0x9a;
  step(r);
  assert.equal(r.cpu.regs[ESI] & 0xffff, 0x1234);
  assert.equal(r.cpu.segSel[DS], 0x5000);
  assert.equal(r.cpu.segBase[DS], 0x50000);
  step(r);
  assert.equal(r.cpu.regs[EAX] & 0xff, 0x9a);
  const bad = flat([0xc5, 0xc0]);
  assert.equal(fault(bad).vector, 6);
});

test("lss in 32-bit code takes a 32-bit offset and sets the interrupt shadow", () => {
  const r = real([0x66, 0x0f, 0xb2, 0x26, 0x00, 0x20]); // lss esp, [0x2000]
  r.ram.set([0x78, 0x56, 0x34, 0x12, 0x00, 0x30], 0x2000);
  step(r);
  assert.equal(u(r.cpu.regs[4]), 0x12345678);
  assert.equal(r.cpu.segSel[SS], 0x3000);
  assert.equal(r.cpu.inhibitInterrupts, true);
});

test("bound: in range passes, below or above raises #BR (vector 5), signed compare", () => {
  // bound eax, [0x2000] with bounds -2..5
  const code = [0x62, 0x05, 0x00, 0x20, 0x00, 0x00];
  for (const [v, ok] of [
    [-2, true],
    [5, true],
    [-3, false],
    [6, false],
  ] as const) {
    const m = flat(code);
    wr32(m.ram, 0x2000, -2);
    wr32(m.ram, 0x2004, 5);
    m.cpu.regs[EAX] = v;
    if (ok) step(m);
    else assert.equal(fault(m).vector, 5);
  }
  const r = flat([0x62, 0xc0]);
  assert.equal(fault(r).vector, 6);
});

test("group 4: inc/dec byte keep CF; other /reg #UD", () => {
  // stc ; inc byte [0x2000] ; dec al
  const m = flat([0xf9, 0xfe, 0x05, 0x00, 0x20, 0x00, 0x00, 0xfe, 0xc8]);
  m.ram[0x2000] = 0xff;
  m.cpu.regs[EAX] = 0x80;
  step(m, 2);
  assert.equal(m.ram[0x2000], 0);
  assert.equal(m.cpu.eflags & (CF | ZF | AF), CF | ZF | AF);
  step(m);
  assert.equal(m.cpu.regs[EAX], 0x7f);
  assert.equal(m.cpu.eflags & (OF | CF), OF | CF);
  const r = flat([0xfe, 0xd0]); // FE /2
  assert.equal(fault(r).vector, 6);
});

test("multi-byte NOPs never touch memory", () => {
  // nop dword [eax+0] ; 0F 19 /0 ; 0F 18 /1 (prefetcht0 [eax]) ; 0F 0D /1 [eax]
  const m = flat([0x0f, 0x1f, 0x80, 0, 0, 0, 0, 0x0f, 0x19, 0x00, 0x0f, 0x18, 0x08, 0x0f, 0x0d, 0x08]);
  m.cpu.setSegCache(DS, 0, 0, 0, 0); // any access through DS would fault
  step(m, 4);
  assert.equal(m.cpu.eip, CODE + 16);
  // The prefetch forms need a memory operand (as QEMU decodes them).
  assert.equal(fault(flat([0x0f, 0x18, 0xc0])).vector, 6);
  assert.equal(fault(flat([0x0f, 0x0d, 0xc0])).vector, 6);
  step(flat([0x0f, 0x1f, 0xc0]));
});

test("mov r/m forms and mov r, imm", () => {
  // mov [0x2000], ecx ; mov dl, [0x2001] ; mov bh, 0x5a ; 66 mov si, 0x1234
  const m = flat([0x89, 0x0d, 0, 0x20, 0, 0, 0x8a, 0x15, 1, 0x20, 0, 0, 0xb7, 0x5a, 0x66, 0xbe, 0x34, 0x12]);
  m.cpu.regs[ECX] = 0xa1b2c3d4 | 0;
  m.cpu.regs[ESI] = -1;
  step(m, 4);
  assert.equal(rd32(m.ram, 0x2000), 0xa1b2c3d4);
  assert.equal(m.cpu.regs[EDX] & 0xff, 0xc3);
  assert.equal(m.cpu.regs[EBX] & 0xff00, 0x5a00);
  assert.equal(u(m.cpu.regs[ESI]), 0xffff1234);
});
