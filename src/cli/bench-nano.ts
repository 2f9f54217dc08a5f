/**
 * `popek bench nano`: the nanobenchmark kernel under a monitor and a cost
 * profile, printed as a table beside the paper's figures, optionally as
 * JSON and as an SVG chart in the style of the paper's Figure 4.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { profileByName } from "../hw/cost/profiles.js";
import { figure4Svg, PAPER_FIGURE4 } from "../report/figure4.js";
import { NANOBENCH_NAMES, runNanobench } from "../vmm/native/nanobench.js";
import { Status } from "../vmm/native/status.js";

export const MODES = ["native", "hv", "bt"] as const;

export interface BenchNanoOptions {
  mode: string;
  profile: string;
  json?: string;
  svg?: string;
  say: (line: string) => void;
  print: (line: string) => void;
}

function packageFile(rel: string): string {
  // dist/src/cli/*.js and src/cli/*.ts are both three levels below the package root.
  return new URL(`../../../${rel}`, import.meta.url).pathname;
}

export async function benchNano(o: BenchNanoOptions): Promise<number> {
  if (o.mode !== "native") {
    o.say(
      `mode "${o.mode}" is not available yet: the ${o.mode === "hv" ? "hardware-assisted" : "binary-translating"} monitor does not exist; only --mode native runs today`,
    );
    return Status.USAGE;
  }
  const profile = profileByName(o.profile);
  const image = new Uint8Array(readFileSync(packageFile("guests/nanobench/nanobench.bin")));
  const r = await runNanobench(image, profile);
  if (r.exit !== "stop" || r.status !== 0) {
    o.say(`the nanobenchmark kernel did not finish cleanly (${r.exit} ${r.status}); it printed:\n${r.serial}`);
    return Status.HALTED;
  }
  o.print(`nanobenchmarks, mode ${o.mode}, profile ${profile.name} (${profile.description})`);
  o.print(`${"test".padEnd(10)}${"cycles".padStart(8)}${"iterations".padStart(12)}   paper native / software VMM / hardware VMM`);
  for (const name of NANOBENCH_NAMES) {
    const v = r.results[name];
    const p = PAPER_FIGURE4[name];
    const cycles = v ? String(v.cycles) : "-";
    const iterations = v ? String(v.iterations) : "-";
    o.print(`${name.padEnd(10)}${cycles.padStart(8)}${iterations.padStart(12)}   ${p.native} / ${p.software} / ${p.hardware}`);
  }
  if (o.json) {
    writeFileSync(o.json, `${JSON.stringify({ profile: profile.name, mode: o.mode, results: r.results }, null, 2)}\n`);
  }
  if (o.svg) {
    const ours: Record<string, number> = {};
    for (const [k, v] of Object.entries(r.results)) ours[k] = v.cycles;
    const pick = (col: "native" | "software" | "hardware") =>
      Object.fromEntries(Object.entries(PAPER_FIGURE4).map(([k, v]) => [k, v[col]]));
    writeFileSync(
      o.svg,
      figure4Svg(`Nanobenchmarks (cycles per operation), popek ${o.mode} on ${profile.name} vs. the paper's P4`, NANOBENCH_NAMES, [
        { label: `popek ${o.mode} (${profile.name})`, color: "#1f77b4", values: ours },
        { label: "paper: native", color: "#7f7f7f", values: pick("native") },
        { label: "paper: software VMM", color: "#ff7f0e", values: pick("software") },
        { label: "paper: hardware VMM", color: "#2ca02c", values: pick("hardware") },
      ]),
    );
  }
  return 0;
}
