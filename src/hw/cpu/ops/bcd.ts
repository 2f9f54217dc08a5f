/**
 * Decimal adjustments: DAA, DAS, AAA, AAS, AAM, AAD, and the undocumented
 * SALC. SDM vol. 2, "DAA", "DAS", "AAA", "AAS", "AAM", "AAD" (operation
 * sections); SALC (D6) exists on every IA-32 processor.
 *
 * Undefined flags follow QEMU: DAA/DAS clear OF; AAA/AAS leave OF, SF, ZF,
 * PF as they were; AAM/AAD set SF, ZF, PF from AL (defined) and clear OF,
 * AF, CF (undefined).
 */
import type { Cpu } from "../cpu.js";
import { CpuFault, Vec } from "../fault.js";
import { AF, CF, getAF, getCF, lazyLogic, OF, setFlags, setResultFlags } from "../flags.js";
import { define, type HandlerTable } from "./table.js";

/** DAA: adjust AL after adding two packed BCD bytes. */
export function daa(cpu: Cpu): void {
  const al = cpu.regs8[0];
  let r = al;
  let f = 0;
  if ((al & 0x0f) > 9 || getAF(cpu)) {
    r = (r + 0x06) & 0xff;
    f |= AF;
  }
  // The manual's CF from the +6 carry is always overwritten by this step.
  if (al > 0x99 || getCF(cpu)) {
    r = (r + 0x60) & 0xff;
    f |= CF;
  }
  cpu.regs8[0] = r;
  setResultFlags(cpu, r, 1, CF | AF | OF, f);
}

/** DAS: adjust AL after subtracting packed BCD bytes. Unlike DAA, the -6 borrow can set CF on its own. */
export function das(cpu: Cpu): void {
  const al = cpu.regs8[0];
  const cf = getCF(cpu);
  let r = al;
  let f = 0;
  if ((al & 0x0f) > 9 || getAF(cpu)) {
    if (al < 6 || cf) f |= CF;
    r = (r - 0x06) & 0xff;
    f |= AF;
  }
  if (al > 0x99 || cf) {
    r = (r - 0x60) & 0xff;
    f |= CF;
  }
  cpu.regs8[0] = r;
  setResultFlags(cpu, r, 1, CF | AF | OF, f);
}

/** AAA: AX += 106h (AH takes the carry out of AL + 6) when the low digit overflowed; AL keeps its low nibble. */
export function aaa(cpu: Cpu): void {
  const ax = cpu.regs16[0];
  if ((ax & 0x0f) > 9 || getAF(cpu)) {
    cpu.regs16[0] = ((ax + 0x106) & 0xff00) | ((ax + 6) & 0x0f);
    setFlags(cpu, CF | AF, CF | AF);
  } else {
    cpu.regs16[0] = ax & 0xff0f;
    setFlags(cpu, CF | AF, 0);
  }
}

/** AAS: AX -= 106h (AH takes the borrow out of AL - 6) when the low digit needs a borrow. */
export function aas(cpu: Cpu): void {
  const ax = cpu.regs16[0];
  if ((ax & 0x0f) > 9 || getAF(cpu)) {
    cpu.regs16[0] = ((ax - 0x106) & 0xff00) | ((ax - 6) & 0x0f);
    setFlags(cpu, CF | AF, CF | AF);
  } else {
    cpu.regs16[0] = ax & 0xff0f;
    setFlags(cpu, CF | AF, 0);
  }
}

export function installBcd(t: HandlerTable): void {
  define(t, 0x27, daa);
  define(t, 0x2f, das);
  define(t, 0x37, aaa);
  define(t, 0x3f, aas);

  // AAM imm8: AH = AL / base, AL = AL mod base; base 0 is #DE.
  define(t, 0xd4, (cpu, i) => {
    const base = i.imm;
    if (base === 0) throw new CpuFault(Vec.DE);
    const al = cpu.regs8[0];
    const r = al % base;
    cpu.regs16[0] = (((al - r) / base) << 8) | r;
    lazyLogic(cpu, r, 1);
  });

  // AAD imm8: AL = AL + AH * base (mod 256), AH = 0.
  define(t, 0xd5, (cpu, i) => {
    const r = (cpu.regs8[0] + cpu.regs8[1] * i.imm) & 0xff;
    cpu.regs16[0] = r;
    lazyLogic(cpu, r, 1);
  });

  // SALC: AL = CF ? FFh : 00h, flags unchanged.
  define(t, 0xd6, (cpu) => {
    cpu.regs8[0] = getCF(cpu) ? 0xff : 0;
  });
}
