/**
 * `npm run bench`: run each workload on each engine K times and report the
 * median and range of wall time, the speed in MIPS (guest instructions
 * retired per second of wall time) and the peak resident set size.
 *
 * Workloads and engines are tables: a later workload (a Linux boot,
 * forkwait) or engine (the JIT, the software and hardware VMMs, v86, QEMU)
 * is one more row. An engine that cannot run a workload returns null and
 * the pair is left out.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { Command, InvalidArgumentError } from "commander";
import { runFlat } from "../src/vmm/native/run.js";

/** A guest program and how to tell that it ran correctly. */
interface Workload {
  readonly description: string;
  /** Flat binary, relative to the repository root. */
  readonly image: string;
  /** Checks one run's console output; throws when the run went wrong. */
  check(output: string): void;
}

/** One timed run. */
interface Sample {
  readonly seconds: number;
  readonly instructions: number;
  readonly output: string;
}

interface Engine {
  readonly description: string;
  /** Runs the workload once, or returns null when this engine cannot run it. */
  run(workload: Workload, image: Uint8Array): Sample | null;
}

const WORKLOADS: Record<string, Workload> = {
  "cpu-loop": {
    description: "guests/cpuloop: 4M rounds of 12 ALU/load/store/branch instructions, checksum on port 0xE9",
    image: "guests/cpuloop/cpuloop.bin",
    check(output) {
      if (!/^[0-9a-f]{8}\n$/.test(output)) throw new Error(`expected an 8-digit checksum, got ${JSON.stringify(output)}`);
    },
  },
};

const ENGINES: Record<string, Engine> = {
  "popek-interp": {
    description: "popek's reference interpreter under the native monitor",
    run(_workload, image) {
      let output = "";
      const start = process.hrtime.bigint();
      const r = runFlat({
        image,
        load: 0x100000,
        entry: 0x100000,
        real: false,
        ramBytes: 16 << 20,
        maxInstructions: Number.POSITIVE_INFINITY,
        exitStatus: "raw",
        intercept: [],
        output: (b) => {
          output += Buffer.from(b).toString("latin1");
        },
      });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (r.kind !== "exit" || r.status !== 0) throw new Error(`the guest did not exit cleanly: ${r.reason}`);
      return { seconds, instructions: r.instructions, output };
    },
  },
};

interface Summary {
  median_s: number;
  min_s: number;
  max_s: number;
  mips: number;
  runs: number;
  instructions: number;
}

function summarize(samples: Sample[]): Summary {
  const times = samples.map((s) => s.seconds).sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  const instructions = samples[0].instructions;
  return {
    median_s: round(median, 4),
    min_s: round(times[0], 4),
    max_s: round(times[times.length - 1], 4),
    mips: round(instructions / median / 1e6, 2),
    runs: samples.length,
    instructions,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function root(path: string): URL {
  // dist/bench/main.js is two levels below the repository root.
  return new URL(`../../${path}`, import.meta.url);
}

function pick(names: string | undefined, table: Record<string, unknown>, what: string): string[] {
  if (!names) return Object.keys(table);
  const list = names.split(",").map((n) => n.trim());
  for (const n of list) if (!(n in table)) throw new Error(`unknown ${what} '${n}' (known: ${Object.keys(table).join(", ")})`);
  return list;
}

function main(argv: string[]): number {
  const cli = new Command("bench")
    .description("time popek's engines on the benchmark workloads")
    .option(
      "--runs <k>",
      "runs per workload and engine",
      (v) => {
        const k = Number(v);
        if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError("expected a positive integer.");
        return k;
      },
      5,
    )
    .option("--json <file>", "also write the results as JSON")
    .option("--workload <names>", `comma-separated workloads (${Object.keys(WORKLOADS).join(", ")})`)
    .option("--engine <names>", `comma-separated engines (${Object.keys(ENGINES).join(", ")})`)
    .parse(argv);
  const opts = cli.opts<{ runs: number; json?: string; workload?: string; engine?: string }>();

  const workloads = pick(opts.workload, WORKLOADS, "workload");
  const engines = pick(opts.engine, ENGINES, "engine");
  const host = `${cpus().length} x ${cpus()[0]?.model.trim() ?? "unknown CPU"}`;
  console.log(`popek bench: ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${host}, ${opts.runs} runs each`);

  const results: Record<string, Record<string, Summary>> = {};
  const rows: string[][] = [["workload", "engine", "median s", "min-max s", "MIPS", "instructions"]];
  for (const w of workloads) {
    const workload = WORKLOADS[w];
    const image = new Uint8Array(readFileSync(root(workload.image)));
    for (const e of engines) {
      const samples: Sample[] = [];
      for (let k = 0; k < opts.runs; k++) {
        const s = ENGINES[e].run(workload, image);
        if (!s) break;
        workload.check(s.output);
        if (samples.length && (s.output !== samples[0].output || s.instructions !== samples[0].instructions)) {
          throw new Error(`${w} on ${e}: run ${k + 1} differs from run 1 (the machine must be deterministic)`);
        }
        samples.push(s);
      }
      if (!samples.length) continue;
      const sum = summarize(samples);
      results[w] ??= {};
      results[w][e] = sum;
      rows.push([
        w,
        e,
        sum.median_s.toFixed(3),
        `${sum.min_s.toFixed(3)}-${sum.max_s.toFixed(3)}`,
        sum.mips.toFixed(1),
        String(sum.instructions),
      ]);
    }
  }

  const peakRssMb = round(process.resourceUsage().maxRSS / 1024, 1);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows)
    console.log(
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    );
  console.log(`peak RSS ${peakRssMb} MB`);

  if (opts.json) {
    const doc = {
      date: new Date().toISOString(),
      host: { cpus: cpus().length, model: cpus()[0]?.model.trim() ?? "unknown", node: process.version },
      workloads: results,
      peak_rss_mb: peakRssMb,
    };
    writeFileSync(opts.json, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`wrote ${opts.json}`);
  }
  return 0;
}

try {
  process.exitCode = main(process.argv);
} catch (e) {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
