/**
 * The semantics table: one handler per opcode (0x000–0x1FF). Each file in
 * this folder installs the handlers for one family of instructions; a
 * second definition of the same opcode is a startup error, so two files can
 * never silently disagree about what an instruction does.
 */
import type { Cpu } from "../cpu.js";
import type { Insn } from "../insn.js";

/**
 * Executes one decoded instruction. On entry `cpu.eip` already points past
 * the instruction; a handler that faults must throw before it changes any
 * register, flag or memory byte (memory first, then registers, so a faulting
 * store leaves the registers untouched).
 */
export type Handler = (cpu: Cpu, i: Insn) => void;

export type HandlerTable = (Handler | undefined)[];

export function define(t: HandlerTable, op: number, h: Handler): void {
  if (t[op]) throw new Error(`opcode 0x${op.toString(16)} defined twice in the semantics table`);
  t[op] = h;
}
