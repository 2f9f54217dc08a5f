/**
 * `npm run bench`: popek side by side with v86 and QEMU. Each workload runs
 * K times on each engine, the engines taking turns (run 1 on every engine,
 * then run 2, ...) so all of them see the same machine noise; the report
 * gives the median and range of wall time, MIPS where the instruction
 * count is known, peak memory, and the ratios popek/v86 and popek/QEMU, of
 * the medians and run by run. `--json FILE` writes the same figures for other tools.
 *
 * Workloads (workloads.ts) and engines (engines.ts) are tables; a missing
 * prerequisite (host.ts) skips its engine or workload with one line.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { runChild } from "./child.js";
import { ENGINES } from "./engines.js";
import { type HostProbe, probeHost, skipReasons } from "./host.js";
import { reportLines } from "./report.js";
import { benchDocument, type Failure, type Results, type Sample, summarize } from "./summary.js";
import { type FlatWorkload, LINUX_MEM_MIB, type LinuxWorkload, WORKLOADS } from "./workloads.js";

/** The repository root: dist/bench/main.js is two levels below it. */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Options {
  runs: number;
  json?: string;
  workload?: string;
  engine?: string;
  timeout?: number;
}

function positive(what: string) {
  return (v: string) => {
    const k = Number(v);
    if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError(`expected a positive whole number of ${what}.`);
    return k;
  };
}

function pick(names: string | undefined, table: Record<string, unknown>, what: string): string[] {
  if (!names) return Object.keys(table);
  const list = names
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  for (const n of list) if (!(n in table)) throw new Error(`unknown ${what} '${n}' (known: ${Object.keys(table).join(", ")})`);
  return list;
}

/** Engines that can run the workload on this host, in table order. */
function enginesFor(workload: LinuxWorkload | FlatWorkload, engines: string[], skipped: Record<string, string>): string[] {
  return engines.filter((e) => !skipped[e] && (workload.kind === "linux" ? ENGINES[e].linux : ENGINES[e].flat));
}

async function runLinux(w: LinuxWorkload, engine: string, host: HostProbe, timeoutS?: number): Promise<Sample> {
  const guest = host.guest as NonNullable<HostProbe["guest"]>;
  const e = ENGINES[engine];
  const launch = (e.linux as NonNullable<typeof e.linux>)({ ...guest, append: w.append, memMiB: LINUX_MEM_MIB }, host);
  const r = await runChild(launch, w.markers, timeoutS ?? e.timeoutS);
  return { seconds: w.seconds(r.marks), peakRssKb: r.peakRssKb };
}

/**
 * Output and instruction count of each flat workload's first run: a
 * deterministic machine repeats them exactly, and both popek engines must
 * retire the same instructions.
 */
const firstFlat = new Map<string, { engine: string; output: string; instructions: number }>();

function runFlatOnce(name: string, w: FlatWorkload, engine: string, image: Uint8Array): Sample {
  const flat = ENGINES[engine].flat as NonNullable<(typeof ENGINES)[string]["flat"]>;
  const r = flat(image);
  w.check(r.output);
  const first = firstFlat.get(name);
  if (!first) firstFlat.set(name, { engine, output: r.output, instructions: r.instructions });
  else if (first.output !== r.output || first.instructions !== r.instructions)
    throw new Error(
      `${r.instructions} instructions, output ${JSON.stringify(r.output)}; the first run (${first.engine}) had ` +
        `${first.instructions}, ${JSON.stringify(first.output)}: every run must retire the same instructions`,
    );
  // Peak memory of this process, which ran the guest (maxRSS is in KiB).
  return { seconds: r.seconds, instructions: r.instructions, peakRssKb: process.resourceUsage().maxRSS };
}

async function main(argv: string[]): Promise<number> {
  const cli = new Command("bench")
    .description("time popek against v86 and QEMU: Linux boot, fork+exec loop, CPU loop")
    .option("--runs <k>", "runs per workload and engine", positive("runs"), 5)
    .option("--json <file>", "also write the results as JSON")
    .option("--workload <names>", `comma-separated workloads (${Object.keys(WORKLOADS).join(", ")})`)
    .option("--engine <names>", `comma-separated engines (${Object.keys(ENGINES).join(", ")})`)
    .option(
      "--timeout <seconds>",
      "time limit per Linux run (default: 900 for popek-interp, 600 for popek, 120 for the others)",
      positive("seconds"),
    )
    .parse(argv);
  const opts = cli.opts<Options>();
  const workloads = pick(opts.workload, WORKLOADS, "workload");
  const engines = pick(opts.engine, ENGINES, "engine");

  const host = probeHost(ROOT);
  const skipped = skipReasons(
    host,
    engines,
    workloads.map((name) => ({ name, kind: WORKLOADS[name].kind })),
  );
  const date = new Date();
  const model = cpus()[0]?.model.trim() ?? "unknown CPU";
  console.log(
    `popek bench: ${date.toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} x ${model}, ` +
      `load ${loadavg()[0].toFixed(2)}, ${opts.runs} run(s) each`,
  );
  for (const [what, why] of Object.entries(skipped)) console.log(`skipping ${what}: ${why}`);

  const samples: Record<string, Record<string, Sample[]>> = {};
  const failures: Failure[] = [];
  for (const name of workloads) {
    if (skipped[name]) continue;
    const w = WORKLOADS[name];
    const on = enginesFor(w, engines, skipped);
    if (!on.length) continue;
    console.log(`${name}: ${w.description}`);
    const image = w.kind === "flat" ? new Uint8Array(readFileSync(join(ROOT, w.image))) : undefined;
    for (let k = 1; k <= opts.runs; k++) {
      for (const engine of on) {
        const tag = `  ${name} ${engine} run ${k}/${opts.runs}`;
        try {
          const s = w.kind === "linux" ? await runLinux(w, engine, host, opts.timeout) : runFlatOnce(name, w, engine, image as Uint8Array);
          ((samples[name] ??= {})[engine] ??= []).push({ ...s, run: k });
          const peak = s.peakRssKb === undefined ? "" : `, peak RSS ${(s.peakRssKb / 1024).toFixed(0)} MB`;
          console.log(`${tag}: ${s.seconds.toFixed(3)} s${peak}`);
        } catch (e) {
          // A failed run (RunFailure: timeout, early exit; Error: wrong output) is reported, and the others go on.
          if (!(e instanceof Error)) throw e;
          failures.push({ workload: name, engine, run: k, error: e.message });
          console.log(`${tag}: FAILED: ${e.message}`);
        }
      }
    }
  }

  const results: Results = {};
  for (const [name, byEngine] of Object.entries(samples))
    for (const [engine, list] of Object.entries(byEngine)) (results[name] ??= {})[engine] = summarize(list);
  const doc = benchDocument({
    date,
    host: { cpus: cpus().length, model, node: process.version, load_average: loadavg().map((x) => Number(x.toFixed(2))) },
    runs: opts.runs,
    results,
    peakFrom: workloads.filter((w) => WORKLOADS[w].kind === "linux"),
    samples,
    skipped,
    failures,
  });
  console.log("");
  for (const line of reportLines(doc)) console.log(line);
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`wrote ${opts.json}`);
  }
  return failures.length ? 1 : 0;
}

main(process.argv).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
