/**
 * The machine the CPU semantics tests run on: a processor on plain RAM with
 * an interpreter, code placed at CODE in flat 32-bit or real mode, stepping
 * with faults observed as values, little-endian memory access, and
 * descriptor encoding for the protected-mode tests.
 */
import assert from "node:assert/strict";
import { RamBus } from "../../src/hw/cpu/bus.js";
import { Cpu, EAX, ESP } from "../../src/hw/cpu/cpu.js";
import type { CpuFault } from "../../src/hw/cpu/fault.js";
import { ARITH } from "../../src/hw/cpu/flags.js";
import { Interpreter } from "../../src/hw/cpu/interpreter.js";
import { le16, le32, put16, put32 } from "../../src/loaders/guest-memory.js";

/** Where the tests put their code, and their usual data address. */
export const CODE = 0x1000;
export const DATA = 0x2000;

export interface Env {
  bus: RamBus;
  /** `bus.ram`. */
  ram: Uint8Array;
  cpu: Cpu;
  it: Interpreter;
}

export interface EnvOptions {
  /** Bytes of RAM (default 1 MiB); reads past it return all ones. */
  ramSize?: number;
  /** Return faults from step() instead of delivering them (default true). */
  intercept?: boolean;
}

export interface CodeOptions extends EnvOptions {
  /** ESP after the mode is entered (default 0x8000); null leaves it as reset left it. */
  esp?: number | null;
}

export interface RealOptions extends CodeOptions {
  /** CS in real mode (default 0); IP is chosen so that CS:IP is CODE. Every other segment is 0. */
  cs?: number;
}

/** A CPU on `ramSize` bytes of RAM with an interpreter, before any mode is entered. */
export function makeEnv(opts: EnvOptions = {}): Env {
  const bus = new RamBus(opts.ramSize ?? 1 << 20);
  const cpu = new Cpu(bus);
  if (opts.intercept ?? true) cpu.interceptException = () => true;
  return { bus, ram: bus.ram, cpu, it: new Interpreter(cpu) };
}

/** Flat 32-bit ring 0 with `code` at CODE. */
export function flat(code: number[], opts: CodeOptions = {}): Env {
  const env = makeEnv(opts);
  poke(env, CODE, code);
  env.cpu.enterFlat32(CODE);
  setEsp(env, opts);
  return env;
}

/** Real mode with `code` at linear CODE. */
export function real(code: number[], opts: RealOptions = {}): Env {
  const env = makeEnv(opts);
  const cs = opts.cs ?? 0;
  poke(env, CODE, code);
  env.cpu.enterReal16(cs, CODE - (cs << 4), 0);
  setEsp(env, opts);
  return env;
}

function setEsp(env: Env, opts: CodeOptions): void {
  const esp = opts.esp === undefined ? 0x8000 : opts.esp;
  if (esp !== null) env.cpu.regs[ESP] = esp;
}

/** RAM of the control-transfer and system tests' machines. */
export const SYSTEM_RAM = 2 << 20;

/** The control-transfer and system tests' flat machine: 2 MiB, ESP = 0x8000. */
export function sysFlat(code: number[]): Env {
  return flat(code, { ramSize: SYSTEM_RAM });
}

/** The control-transfer and system tests' real-mode machine: 2 MiB, code at 0100:0000, SS = DS = 0, SP = 0x2000. */
export function sysReal(code: number[]): Env {
  return real(code, { ramSize: SYSTEM_RAM, cs: 0x100, esp: 0x2000 });
}

/**
 * Flat 32-bit `code` at CODE prepared by `init`, ESP as reset left it;
 * faults are delivered unless `intercept`.
 */
export function prepare(code: number[], init: (cpu: Cpu) => void = () => {}, intercept = false): Env {
  const env = flat(code, { esp: null, intercept });
  init(env.cpu);
  return env;
}

/** Execute `code` (one or more instructions) in flat 32-bit mode after `init`; every step must complete. */
export function run(code: number[], init: (cpu: Cpu) => void = () => {}): Cpu {
  const { cpu, it } = prepare(code, init);
  while (cpu.eip < CODE + code.length) assert.equal(it.step(), null);
  return cpu;
}

/** Step `n` times, requiring that each step completes without an exit. */
export function step(env: Env, n = 1): void {
  for (let k = 0; k < n; k++) assert.equal(env.it.step(), null);
}

/** Step once and require an (intercepted) exception; returns it. */
export function stepFault(env: Env, expected = "a fault"): CpuFault {
  const exit = env.it.step();
  assert.ok(exit && exit.kind === "exception", `expected ${expected}, got ${JSON.stringify(exit)}`);
  return exit.fault;
}

/** Step once and require a fault that leaves EIP at the faulting instruction. */
export function fault(env: Env): CpuFault {
  const start = env.cpu.eip;
  const f = stepFault(env);
  assert.equal(env.cpu.eip, start, "EIP points at the faulting instruction");
  return f;
}

/** Step once and require a fault with this vector and error code. */
export function expectFault(env: Env, vector: number, errorCode = -1): void {
  const f = stepFault(env, `exception ${vector}`);
  assert.equal(f.vector, vector);
  assert.equal(f.errorCode, errorCode);
}

// --- Memory, little-endian ---------------------------------------------------

// rd16/rd32 read RAM; wr32 is a raw store (the processor is not told: for data that is not code).
export { le16 as rd16, le32 as rd32, put32 as wr32 } from "../../src/loaders/guest-memory.js";

// Stores from outside the processor tell it, so decoded code is dropped (as DMA would).
export function poke(env: Env, addr: number, bytes: number[]): void {
  env.ram.set(bytes, addr);
  env.cpu.ramWritten(addr, bytes.length);
}

export function poke16(env: Env, addr: number, v: number): void {
  put16(env.ram, addr, v);
  env.cpu.ramWritten(addr, 2);
}

export function poke32(env: Env, addr: number, v: number): void {
  put32(env.ram, addr, v);
  env.cpu.ramWritten(addr, 4);
}

export function peek16(env: Env, addr: number): number {
  return le16(env.ram, addr);
}

export function peek32(env: Env, addr: number): number {
  return le32(env.ram, addr);
}

/** Unsigned view of a register or dword. */
export const u = (v: number): number => v >>> 0;

/** The six arithmetic flags (CF PF AF ZF SF OF) of EFLAGS. */
export const arithFlags = (cpu: Cpu): number => cpu.eflags & ARITH;
export const ax = (cpu: Cpu): number => cpu.regs[EAX] & 0xffff;
export const al = (cpu: Cpu): number => cpu.regs[EAX] & 0xff;

/** Deterministic pseudo-random numbers (xorshift32): the same cases every run. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

// --- Descriptors ---------------------------------------------------------------

/**
 * A segment descriptor: `type` is the 4-bit type, `s` 1 for code/data,
 * `flags` the high nibble of byte 6 (G=8, D/B=4).
 */
export function seg(
  base: number,
  limit: number,
  type: number,
  dpl: number,
  opts: { s?: number; p?: number; flags?: number } = {},
): [number, number] {
  const s = opts.s ?? 1;
  const p = opts.p ?? 1;
  const flags = opts.flags ?? 0;
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi =
    ((base >>> 16) & 0xff) | (type << 8) | (s << 12) | (dpl << 13) | (p << 15) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000);
  return [lo >>> 0, hi >>> 0];
}

/** Flat 4 GiB code (execute/read) or data (read/write) descriptors. */
export const flatCode = (dpl: number, conforming = false): [number, number] => seg(0, 0xfffff, conforming ? 0xe : 0xa, dpl, { flags: 0xc });
export const flatData = (dpl: number): [number, number] => seg(0, 0xfffff, 0x2, dpl, { flags: 0xc });

/** A call gate (type 4: 16-bit, 0xC: 32-bit). */
export function callGate(sel: number, offset: number, dpl: number, params: number, type = 0xc): [number, number] {
  const lo = (sel << 16) | (offset & 0xffff);
  const hi = (type === 0xc ? offset & 0xffff0000 : 0) | 0x8000 | (dpl << 13) | (type << 8) | (params & 0x1f);
  return [lo >>> 0, hi >>> 0];
}

/** Write descriptors at consecutive GDT slots starting at `base`, and point GDTR at them. */
export function setGdt(env: Env, base: number, entries: [number, number][]): void {
  entries.forEach(([lo, hi], k) => {
    poke32(env, base + k * 8, lo);
    poke32(env, base + k * 8 + 4, hi);
  });
  env.cpu.gdtBase = base;
  env.cpu.gdtLimit = entries.length * 8 - 1;
}

/** The four bytes of `v`, little-endian (an imm32 or rel32 in hand-assembled code). */
export function bytes32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
