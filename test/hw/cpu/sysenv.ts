/**
 * Test fixtures for the control-transfer and system-instruction specs:
 * a CPU on plain RAM, code placement, descriptor encoding, and stepping
 * with faults observed as values.
 */
import assert from "node:assert/strict";
import { RamBus } from "../../../src/hw/cpu/bus.js";
import { Cpu, type ExitReason } from "../../../src/hw/cpu/cpu.js";
import { Interpreter } from "../../../src/hw/cpu/interpreter.js";

export interface Env {
  bus: RamBus;
  cpu: Cpu;
  it: Interpreter;
}

/** 2 MiB of RAM, faults returned from step() instead of delivered. */
export function makeEnv(): Env {
  const bus = new RamBus(2 << 20);
  const cpu = new Cpu(bus);
  cpu.interceptException = () => true;
  return { bus, cpu, it: new Interpreter(cpu) };
}

// Stores from outside the processor tell it, so decoded code is dropped (as DMA would).
export function poke(env: Env, addr: number, bytes: number[]): void {
  env.bus.ram.set(bytes, addr);
  env.cpu.ramWritten(addr, bytes.length);
}

export function poke16(env: Env, addr: number, v: number): void {
  env.bus.ram[addr] = v;
  env.bus.ram[addr + 1] = v >>> 8;
  env.cpu.ramWritten(addr, 2);
}

export function poke32(env: Env, addr: number, v: number): void {
  for (let k = 0; k < 4; k++) env.bus.ram[addr + k] = v >>> (8 * k);
  env.cpu.ramWritten(addr, 4);
}

export function peek16(env: Env, addr: number): number {
  return env.bus.ram[addr] | (env.bus.ram[addr + 1] << 8);
}

export function peek32(env: Env, addr: number): number {
  const r = env.bus.ram;
  return (r[addr] | (r[addr + 1] << 8) | (r[addr + 2] << 16) | (r[addr + 3] << 24)) >>> 0;
}

/** Step once and require that it completed without an exit. */
export function step(env: Env): void {
  assert.equal(env.it.step(), null);
}

/** Step once and require a fault with this vector and error code. */
export function expectFault(env: Env, vector: number, errorCode = -1): void {
  const r: ExitReason | null = env.it.step();
  assert.ok(r && r.kind === "exception", `expected exception ${vector}, got ${JSON.stringify(r)}`);
  assert.equal(r.fault.vector, vector);
  assert.equal(r.fault.errorCode, errorCode);
}

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
