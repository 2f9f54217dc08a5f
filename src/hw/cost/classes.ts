/**
 * What one instruction costs under a profile, by the class its opcode (and
 * ModRM.reg for groups) falls in, plus the profile's memory-operand extra.
 * Engines compute it once per decoded instruction and keep it with the
 * decode, so charging costs one addition per instruction.
 *
 * INT n and IRET are charged here as their events (softwareInterrupt,
 * iret); exceptions and external interrupts are charged at delivery.
 */
import type { Insn } from "../cpu/insn.js";
import { HAS_MODRM } from "../cpu/isa.js";
import type { CostProfile, InstructionCosts } from "./profile.js";

type Key = keyof InstructionCosts | "softwareInterrupt" | "iret" | "free";

/** Class of each opcode; a function of ModRM.reg for groups. */
const CLASS: (Key | ((reg: number, rm: number) => Key))[] = new Array(512).fill("simple");

function set(ops: number[] | number, k: Key | ((reg: number, rm: number) => Key)): void {
  for (const op of Array.isArray(ops) ? ops : [ops]) CLASS[op] = k;
}
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);

set([0x06, 0x0e, 0x16, 0x1e, 0x1a0, 0x1a8, 0x68, 0x6a, 0x8f, 0xc9, ...range(0x50, 0x5f)], "stack");
set([0x60, 0x61], "far"); // pusha/popa: eight stack operations
set([0x07, 0x17, 0x1f, 0x1a1, 0x1a9, 0x8e, 0xc4, 0xc5, 0x1b2, 0x1b4, 0x1b5, 0x9a, 0xea, 0xca, 0xcb, 0x134, 0x135], "far");
set([...range(0x70, 0x7f), ...range(0x180, 0x18f), ...range(0xe0, 0xe3), 0xe9, 0xeb], "branch");
set([0xe8, 0xc2, 0xc3, 0xc8], "callRet");
set([0x69, 0x6b, 0x1af, 0xd5], "multiply");
set(0xd4, "divide");
set([0x6c, 0x6d, 0x6e, 0x6f, 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf], "stringElement");
set([0x9c, 0x9d, 0xfa, 0xfb], "flags");
set([0xcc, 0xcd, 0xce], "softwareInterrupt");
set(0xcf, "iret");
set([0xf1, 0x10b, 0x1aa], "free"); // int1, ud2, rsm: only their exception costs
set([0x100, 0x101, 0x102, 0x103, 0x106, 0x120, 0x121, 0x122, 0x123, 0x130, 0x132, 0x133, 0x63], "system");
set([0x108, 0x109, 0x1a2], "serializing");
set(0x131, "rdtsc");
set([0xf6, 0xf7], (reg) => (reg === 4 || reg === 5 ? "multiply" : reg >= 6 ? "divide" : "simple"));
set(0xff, (reg) => (reg === 2 ? "callRet" : reg === 3 || reg === 5 ? "far" : reg === 4 ? "branch" : reg === 6 ? "stack" : "simple"));
// x87: divides and square roots, transcendentals, the rest.
const x87Arith = (reg: number): Key => (reg >= 6 ? "x87Divide" : "x87");
set([0xd8, 0xda, 0xdc, 0xde], x87Arith);
set(0xd9, (reg, rm) => {
  if (reg !== 6 && reg !== 7) return "x87";
  const low = (reg << 3) | rm; // D9 F0–FF
  if (low === 0x3a) return "x87Divide"; // fsqrt (D9 FA)
  return "x87Transcendental";
});
set([0xdb, 0xdd, 0xdf, 0x9b], "x87");

/** Opcodes whose ModRM memory operand is not accessed (lea, hint nops) or is charged in the class. */
const NO_MEMORY_EXTRA = new Set([0x8d, 0x10d, ...range(0x118, 0x11f)]);

/** Cycles `i` costs under `p` (before any event it causes). */
export function instructionCycles(p: CostProfile, i: Insn): number {
  const c = CLASS[i.op];
  const key = typeof c === "function" ? c(i.reg, i.rm) : c;
  let cycles: number;
  if (key === "softwareInterrupt") cycles = p.events.softwareInterrupt;
  else if (key === "iret") cycles = p.events.iret;
  else if (key === "free") cycles = 0;
  else cycles = p.instructions[key];
  const moffs = i.op >= 0xa0 && i.op <= 0xa3;
  if (moffs || (i.mod !== 3 && hasModrmMemory(i) && !NO_MEMORY_EXTRA.has(i.op))) cycles += p.instructions.memory;
  return cycles;
}

/** Only opcodes that have a ModRM byte have a ModRM memory operand (`mod` is 0 otherwise). */
function hasModrmMemory(i: Insn): boolean {
  return HAS_MODRM[i.op] === 1;
}
