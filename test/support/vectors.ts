/**
 * Instruction conformance vectors (generated from Unicorn by
 * scripts/vectors/gen.py; format in scripts/vectors/README.md): loading,
 * running one vector on an engine, and comparing the outcome.
 *
 * Engines are interchangeable: anything that executes one instruction per
 * `step()` on a `Cpu` can be checked against the same vectors (the
 * reference interpreter now, the block compiler later).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { RamBus } from "../../src/hw/cpu/bus.js";
import { ATTR_CODE_RX, ATTR_DATA_RW, ATTR_DB, ATTR_G, Cpu, CS, type ExitReason } from "../../src/hw/cpu/cpu.js";
import { Interpreter } from "../../src/hw/cpu/interpreter.js";
import { type Backend, BlockEngine } from "../../src/hw/cpu/jit/engine.js";

export interface Vector {
  name: string;
  mode: 16 | 32;
  /** Instruction bytes (hex), placed at CS.base + eip. */
  code: string;
  eip: number;
  regs: number[];
  eflags: number;
  /** Selectors and bases of ES CS SS DS FS GS. */
  seg: number[];
  segBase: number[];
  /** Initial memory windows: [linear address, hex bytes]; everything else is zero. */
  mem: [number, string][];
  /** Instructions to execute (x87 sequences); default 1. */
  steps?: number;
  /** A repeated string instruction: step until EIP leaves it. */
  rep?: boolean;
  /** Execute FNINIT (at CS:FNINIT_EIP) before the vector, as the generator does. */
  fninit?: boolean;
  /** EFLAGS bits to compare (architecturally defined for this case). */
  flagsMask: number;
  /** Per-register bits to compare (default all). */
  regsMask?: number[];
  /** Memory ranges whose final contents are undefined: [address, length]. */
  memSkip?: [number, number][];
  expect: {
    regs: number[];
    eip: number;
    eflags: number;
    /** Final contents of every byte the instruction wrote. */
    mem: [number, string][];
    /** Selectors after the instruction, when they changed. */
    seg?: number[];
    /** Exception vector raised (the state is then the state before the instruction). */
    exception?: number;
  };
}

/** Executes one instruction per call; returns an exit reason or null. */
export interface Engine {
  step(): ExitReason | null;
}

export interface EngineFactory {
  readonly name: string;
  create(cpu: Cpu): Engine;
}

/**
 * Every engine must pass every vector. The block compiler runs each step as
 * compiled code (it compiles at once, one instruction per block), or as a
 * threaded block of one instruction (it never compiles).
 */
export const ENGINES: EngineFactory[] = [
  { name: "interpreter", create: (cpu) => new Interpreter(cpu) },
  oneByOne("block compiler", "wasm", 0),
  oneByOne("block compiler (JavaScript)", "js", 0),
  oneByOne("block engine, threaded blocks", "wasm", Number.POSITIVE_INFINITY),
];

/** The block engine on `backend` with threshold `hot`, one instruction per block. */
function oneByOne(name: string, backend: Backend, hot: number): EngineFactory {
  return {
    name,
    create(cpu) {
      const jit = new BlockEngine(cpu, { hot, maxBlock: 1, backend });
      return {
        step() {
          const exit = jit.run(1);
          return exit.kind === "budget" ? null : exit;
        },
      };
    },
  };
}

export const RAM_SIZE = 2 << 20;
/** Where the FNINIT that precedes x87 vectors runs (the generator uses the same place). */
const FNINIT_EIP = 0x1800;
const REP_LIMIT = 100_000;
const REG_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const SEG_NAMES = ["es", "cs", "ss", "ds", "fs", "gs"];

export function vectorsDir(): string {
  // Compiled to dist/test/support/: the repository root is three levels up.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 6; k++) {
    try {
      readdirSync(join(dir, "test", "vectors"));
      return join(dir, "test", "vectors");
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error("test/vectors not found above the test module");
}

/** Family files: name (file stem) → path. */
export function vectorFiles(): { family: string; path: string }[] {
  const dir = vectorsDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl.gz"))
    .sort()
    .map((f) => ({ family: f.slice(0, -".jsonl.gz".length), path: join(dir, f) }));
}

export function loadVectors(path: string): Vector[] {
  const text = gunzipSync(readFileSync(path)).toString("utf8");
  const out: Vector[] = [];
  for (const line of text.split("\n")) if (line) out.push(JSON.parse(line) as Vector);
  return out;
}

/** The form a vector belongs to ("add_Ev,Gv/m32/o16/a16#7" → "add_Ev,Gv/m32/o16/a16"). */
export function formOf(v: Vector): string {
  const k = v.name.lastIndexOf("#");
  return k < 0 ? v.name : v.name.slice(0, k);
}

export interface Diff {
  field: string;
  expected: string;
  actual: string;
}

export function hex(v: number, digits = 8): string {
  return `0x${(v >>> 0).toString(16).padStart(digits, "0")}`;
}

function bytesOf(h: string): Uint8Array {
  const b = new Uint8Array(h.length >> 1);
  for (let k = 0; k < b.length; k++) b[k] = Number.parseInt(h.substr(2 * k, 2), 16);
  return b;
}

/**
 * Runs vectors on one engine over a shared RAM. The RAM is zero outside the
 * vector's windows and is cleared after each run. One Cpu is reused and put
 * through `reset()` (power-on state) before each vector: constructing a Cpu
 * allocates a 4 MiB TLB, too slow to do 100,000 times. Each vector gets a
 * fresh engine, so nothing an engine caches (e.g. translated code at the
 * same address) carries over.
 */
export class VectorRunner {
  readonly bus = new RamBus(RAM_SIZE);
  readonly cpu = new Cpu(this.bus);

  constructor(readonly engine: EngineFactory) {}

  /** Run one vector; returns the differences from the expected outcome (empty: pass). */
  run(v: Vector): Diff[] {
    const ram = this.bus.ram;
    const code = bytesOf(v.code);
    const codeLin = v.segBase[CS] + v.eip;
    ram.set(code, codeLin);
    const windows: [number, Uint8Array][] = v.mem.map(([a, h]) => [a, bytesOf(h)]);
    for (const [a, b] of windows) ram.set(b, a);

    const cpu = this.cpu;
    cpu.reset();
    if (v.mode === 16) {
      cpu.enterReal16(v.seg[CS], v.eip, 0);
      for (let s = 0; s < 6; s++) if (s !== CS) cpu.setSegCache(s, v.seg[s], v.segBase[s], 0xffff, ATTR_DATA_RW);
    } else {
      cpu.enterFlat32(v.eip);
      const big = ATTR_DB | ATTR_G;
      for (let s = 0; s < 6; s++) {
        cpu.setSegCache(s, v.seg[s], v.segBase[s], 0xffffffff, (s === CS ? ATTR_CODE_RX : ATTR_DATA_RW) | big);
      }
    }
    for (let r = 0; r < 8; r++) cpu.regs[r] = v.regs[r];
    cpu.setEflags(v.eflags);
    cpu.interceptException = () => true;

    const diffs: Diff[] = [];
    let exception: number | undefined;
    try {
      const engine = this.engine.create(cpu);
      if (v.fninit) {
        // Put the FPU in its FNINIT state by executing FNINIT itself, so no
        // engine or FPU internals are assumed (a reset FPU is not in that state).
        ram[FNINIT_EIP] = 0xdb;
        ram[FNINIT_EIP + 1] = 0xe3;
        cpu.eip = FNINIT_EIP;
        const exit = engine.step();
        ram[FNINIT_EIP] = ram[FNINIT_EIP + 1] = 0;
        if (exit || cpu.eip !== FNINIT_EIP + 2) diffs.push({ field: "fninit", expected: "completes", actual: JSON.stringify(exit) });
        cpu.eip = v.eip;
      }
      const steps = v.rep ? REP_LIMIT : (v.steps ?? 1);
      for (let n = 0; n < steps; n++) {
        const exit = engine.step();
        if (exit) {
          if (exit.kind === "exception") exception = exit.fault.vector;
          else diffs.push({ field: "exit", expected: "none", actual: JSON.stringify(exit) });
          break;
        }
        if (v.rep && cpu.eip !== v.eip) break;
      }
    } catch (e) {
      diffs.push({ field: "threw", expected: "-", actual: String(e instanceof Error ? e.message : e).slice(0, 200) });
    }

    const x = v.expect;
    if (exception !== x.exception) {
      diffs.push({ field: "exception", expected: String(x.exception ?? "none"), actual: String(exception ?? "none") });
    }
    for (let r = 0; r < 8; r++) {
      const m = v.regsMask ? v.regsMask[r] : 0xffffffff;
      if (((cpu.regs[r] ^ x.regs[r]) & m) !== 0) diffs.push({ field: REG_NAMES[r], expected: hex(x.regs[r]), actual: hex(cpu.regs[r]) });
    }
    if (cpu.eip >>> 0 !== x.eip) diffs.push({ field: "eip", expected: hex(x.eip), actual: hex(cpu.eip) });
    const flags = cpu.eflags;
    if (((flags ^ x.eflags) & v.flagsMask) !== 0) {
      diffs.push({
        field: `eflags&${hex(v.flagsMask, 6)}`,
        expected: hex(x.eflags & v.flagsMask, 6),
        actual: hex(flags & v.flagsMask, 6),
      });
    }
    const sels = x.seg ?? v.seg;
    for (let s = 0; s < 6; s++) {
      if (cpu.segSel[s] !== sels[s]) diffs.push({ field: SEG_NAMES[s], expected: hex(sels[s], 4), actual: hex(cpu.segSel[s], 4) });
      else if (v.mode === 16 && sels[s] !== v.seg[s] && cpu.segBase[s] !== sels[s] << 4) {
        diffs.push({ field: `${SEG_NAMES[s]}.base`, expected: hex(sels[s] << 4), actual: hex(cpu.segBase[s]) });
      }
    }

    // Memory: every window byte keeps its value unless written; written bytes take theirs.
    const want = new Map<number, number>();
    for (const [a, b] of windows) for (let k = 0; k < b.length; k++) want.set(a + k, b[k]);
    for (const [a, h] of x.mem) {
      const b = bytesOf(h);
      for (let k = 0; k < b.length; k++) want.set(a + k, b[k]);
    }
    if (v.memSkip) for (const [a, n] of v.memSkip) for (let k = 0; k < n; k++) want.delete(a + k);
    let memDiffs = 0;
    for (const [a, b] of want) {
      if (ram[a] !== b) {
        if (memDiffs++ < 4) diffs.push({ field: `mem[${hex(a, 6)}]`, expected: hex(b, 2), actual: hex(ram[a], 2) });
      }
    }
    if (memDiffs > 4) diffs.push({ field: "mem", expected: "", actual: `${memDiffs - 4} more bytes differ` });

    // Clean up for the next vector.
    ram.fill(0, codeLin, codeLin + code.length);
    for (const a of want.keys()) ram[a] = 0;
    if (v.memSkip) for (const [a, n] of v.memSkip) ram.fill(0, a, a + n);
    return diffs;
  }

  /** Addresses of nonzero RAM bytes (writes the vectors did not expect), clearing them. */
  strayBytes(limit = 4): number[] {
    const ram = this.bus.ram;
    const words = new Uint32Array(ram.buffer, ram.byteOffset, ram.length >> 2);
    const out: number[] = [];
    for (let k = 0; k < words.length; k++) {
      if (words[k] !== 0) {
        for (let b = 0; b < 4; b++) if (ram[4 * k + b] !== 0 && out.length < limit) out.push(4 * k + b);
        words[k] = 0;
      }
    }
    return out;
  }
}

export interface FormResult {
  form: string;
  total: number;
  failed: number;
  /** The first few failing vectors with their differences. */
  examples: { v: Vector; diffs: Diff[] }[];
}

/**
 * Run a family's vectors; returns per-form results in file order. Stray
 * writes (bytes outside every expected window) are found by scanning RAM
 * after each chunk of vectors, and pinned on a vector by replaying the
 * chunk one vector at a time.
 */
export function runFamily(runner: VectorRunner, vectors: Vector[], chunk = 256): FormResult[] {
  const results = new Map<string, FormResult>();
  const record = (v: Vector, diffs: Diff[]) => {
    const form = formOf(v);
    let r = results.get(form);
    if (!r) results.set(form, (r = { form, total: 0, failed: 0, examples: [] }));
    r.total++;
    if (diffs.length) {
      r.failed++;
      if (r.examples.length < 3) r.examples.push({ v, diffs });
    }
  };
  for (let start = 0; start < vectors.length; start += chunk) {
    const part = vectors.slice(start, start + chunk);
    const outcomes = part.map((v) => runner.run(v));
    if (runner.strayBytes().length) {
      // Replay one by one to find who wrote where it should not.
      for (let k = 0; k < part.length; k++) {
        outcomes[k] = runner.run(part[k]);
        for (const a of runner.strayBytes())
          outcomes[k].push({ field: `stray write ${hex(a, 6)}`, expected: "untouched", actual: "written" });
      }
    }
    for (let k = 0; k < part.length; k++) record(part[k], outcomes[k]);
  }
  return [...results.values()];
}

/** A failure message: per failing form, the count and the first diffs. */
export function summarize(family: string, results: FormResult[], maxForms = 150): string {
  const failing = results.filter((r) => r.failed);
  const vectors = results.reduce((n, r) => n + r.total, 0);
  const failed = failing.reduce((n, r) => n + r.failed, 0);
  const lines = [`${family}: ${failed} of ${vectors} vectors fail, in ${failing.length} of ${results.length} forms`];
  for (const r of failing.slice(0, maxForms)) {
    lines.push(`  ${r.form}: ${r.failed}/${r.total} fail`);
    for (const { v, diffs } of r.examples) {
      const d = diffs
        .slice(0, 6)
        .map((x) => `${x.field}: expected ${x.expected}, actual ${x.actual}`)
        .join("; ");
      lines.push(`    ${v.name} [${v.code}]: ${d}`);
    }
  }
  if (failing.length > maxForms)
    lines.push(`  ... and ${failing.length - maxForms} more failing forms (POPEK_VECTORS_FILTER narrows the run)`);
  return lines.join("\n");
}
