/**
 * The arithmetic of `npm run bench`: samples to a summary (median, range,
 * MIPS), the ratios of medians that compare popek with v86 and QEMU, the
 * same ratios run by run, peak memory per engine, and the JSON document
 * other tools read. Pure functions: no clocks, no processes.
 */

/** One workload on one engine, as reported and written to JSON. */
export interface Summary {
  median_s: number;
  min_s: number;
  max_s: number;
  /** Successful runs the figures come from. */
  runs: number;
  /** Guest instructions per second of wall time (workloads with a known instruction count). */
  mips?: number;
  instructions?: number;
  /** Highest resident set size of the process that ran it, MB. */
  peak_rss_mb?: number;
}

/** One successful run. */
export interface Sample {
  seconds: number;
  /** Retired guest instructions, when the engine counts them. */
  instructions?: number;
  /** Peak resident set size of the process, KiB (VmHWM), when known. */
  peakRssKb?: number;
  /** Which round of the engines' turns it was (1, 2, ...): the runs of one round are paired. */
  run?: number;
}

/** workload → engine → summary. */
export type Results = Record<string, Record<string, Summary>>;

/** The comparisons the issue asks for: numerator / denominator of medians. */
export const RATIO_PAIRS: readonly (readonly [string, string])[] = [
  ["popek", "v86"],
  ["popek", "qemu"],
  ["popek-js", "v86"],
  ["popek-interp", "v86"],
  ["popek-interp", "qemu"],
];

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The median of a non-empty list (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of no samples");
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function kbToMb(kb: number): number {
  return round(kb / 1024, 1);
}

/** Summarizes the successful runs of one workload on one engine. */
export function summarize(samples: readonly Sample[]): Summary {
  if (samples.length === 0) throw new Error("no successful runs to summarize");
  const times = samples.map((s) => s.seconds);
  const med = median(times);
  const sum: Summary = {
    median_s: round(med, 4),
    min_s: round(Math.min(...times), 4),
    max_s: round(Math.max(...times), 4),
    runs: samples.length,
  };
  const instructions = samples[0].instructions;
  if (instructions !== undefined) {
    sum.instructions = instructions;
    sum.mips = round(instructions / med / 1e6, 2);
  }
  const peaks = samples.flatMap((s) => (s.peakRssKb === undefined ? [] : [s.peakRssKb]));
  if (peaks.length) sum.peak_rss_mb = kbToMb(Math.max(...peaks));
  return sum;
}

/** Ratios of medians per workload, for the pairs where both engines have a result. */
export function ratios(results: Results): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [workload, byEngine] of Object.entries(results)) {
    for (const [a, b] of RATIO_PAIRS) {
      const x = byEngine[a];
      const y = byEngine[b];
      if (!x || !y || y.median_s <= 0) continue;
      out[workload] ??= {};
      out[workload][`${a}/${b}`] = round(x.median_s / y.median_s, 3);
    }
  }
  return out;
}

/** One pair of engines compared run by run: the ratios of the runs both made in the same round. */
export interface PairedRatio {
  median: number;
  min: number;
  max: number;
  pairs: number;
}

/**
 * The ratios of `RATIO_PAIRS` run by run: engines take turns, so the runs
 * of one round saw about the same machine, and the median of their ratios
 * moves less with the machine's noise than the ratio of the medians does.
 * Rounds where either engine failed are left out.
 */
export function pairedRatios(samples: Record<string, Record<string, readonly Sample[]>>): Record<string, Record<string, PairedRatio>> {
  const out: Record<string, Record<string, PairedRatio>> = {};
  for (const [workload, byEngine] of Object.entries(samples)) {
    for (const [a, b] of RATIO_PAIRS) {
      const byRun = new Map((byEngine[b] ?? []).map((s) => [s.run, s.seconds]));
      const r: number[] = [];
      for (const s of byEngine[a] ?? []) {
        const other = s.run === undefined ? undefined : byRun.get(s.run);
        if (other !== undefined && other > 0) r.push(s.seconds / other);
      }
      if (!r.length) continue;
      out[workload] ??= {};
      out[workload][`${a}/${b}`] = {
        median: round(median(r), 3),
        min: round(Math.min(...r), 3),
        max: round(Math.max(...r), 3),
        pairs: r.length,
      };
    }
  }
  return out;
}

/**
 * Peak memory per engine: the highest peak over the given workloads (all
 * when not given), MB. The bench counts its Linux workloads only, where
 * each engine is a process of its own holding a 128 MiB guest.
 */
export function peakRssPerEngine(results: Results, workloads: readonly string[] = Object.keys(results)): Record<string, number> {
  const out: Record<string, number> = {};
  for (const byEngine of workloads.flatMap((w) => (results[w] ? [results[w]] : []))) {
    for (const [engine, s] of Object.entries(byEngine)) {
      if (s.peak_rss_mb === undefined) continue;
      out[engine] = Math.max(out[engine] ?? 0, s.peak_rss_mb);
    }
  }
  return out;
}

export interface Failure {
  workload: string;
  engine: string;
  run: number;
  error: string;
}

export interface BenchDocument {
  date: string;
  host: { cpus: number; model: string; node: string; load_average: number[] };
  runs_requested: number;
  workloads: Results;
  /** Engine → peak resident set size of its process over the Linux runs, MB. */
  peak_rss_mb: Record<string, number>;
  ratios: Record<string, Record<string, number>>;
  /** The same pairs run by run (`pairedRatios`). */
  paired_ratios: Record<string, Record<string, PairedRatio>>;
  /** Engine or workload → why it did not run. */
  skipped: Record<string, string>;
  failures: Failure[];
}

export function benchDocument(o: {
  date: Date;
  host: BenchDocument["host"];
  runs: number;
  results: Results;
  /** The workloads whose peaks make up peak_rss_mb. */
  peakFrom: readonly string[];
  /** The runs themselves, for the ratios run by run (none: no paired ratios). */
  samples?: Record<string, Record<string, readonly Sample[]>>;
  skipped: Record<string, string>;
  failures: Failure[];
}): BenchDocument {
  return {
    date: o.date.toISOString(),
    host: o.host,
    runs_requested: o.runs,
    workloads: o.results,
    peak_rss_mb: peakRssPerEngine(o.results, o.peakFrom),
    ratios: ratios(o.results),
    paired_ratios: pairedRatios(o.samples ?? {}),
    skipped: o.skipped,
    failures: o.failures,
  };
}
