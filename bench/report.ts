/**
 * The text `npm run bench` prints at the end: one table row per workload
 * and engine, then the ratios of medians and run by run, and peak memory
 * per engine.
 */
import type { BenchDocument } from "./summary.js";
import { LINUX_MEM_MIB } from "./workloads.js";

/** Left-aligned columns, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]))
      .join("  ")
      .trimEnd(),
  );
}

export function reportLines(doc: BenchDocument): string[] {
  const rows: string[][] = [["workload", "engine", "median s", "min-max s", "runs", "MIPS", "peak RSS MB"]];
  for (const [workload, byEngine] of Object.entries(doc.workloads)) {
    for (const [engine, s] of Object.entries(byEngine)) {
      rows.push([
        workload,
        engine,
        s.median_s.toFixed(3),
        `${s.min_s.toFixed(3)}-${s.max_s.toFixed(3)}`,
        String(s.runs),
        s.mips === undefined ? "" : s.mips.toFixed(1),
        s.peak_rss_mb === undefined ? "" : s.peak_rss_mb.toFixed(0),
      ]);
    }
  }
  const out = rows.length > 1 ? table(rows) : ["no results"];
  for (const [workload, r] of Object.entries(doc.ratios)) {
    const parts = Object.entries(r).map(([pair, x]) => `${pair} ${x.toFixed(2)}`);
    out.push(`${workload} ratios of medians: ${parts.join(", ")}`);
    const paired = doc.paired_ratios[workload];
    if (!paired) continue;
    const runs = Object.entries(paired).map(
      ([pair, p]) => `${pair} ${p.median.toFixed(2)} (${p.min.toFixed(2)}-${p.max.toFixed(2)}, ${p.pairs} pairs)`,
    );
    out.push(`${workload} ratios run by run, median (range): ${runs.join(", ")}`);
  }
  const peaks = Object.entries(doc.peak_rss_mb).map(([engine, mb]) => `${engine} ${mb.toFixed(0)} MB`);
  if (peaks.length) out.push(`peak RSS over the Linux runs (${LINUX_MEM_MIB} MiB guest): ${peaks.join(", ")}`);
  for (const [what, why] of Object.entries(doc.skipped)) out.push(`skipped ${what}: ${why}`);
  if (doc.failures.length) out.push(`${doc.failures.length} failed run(s): see the lines marked FAILED above`);
  return out;
}
