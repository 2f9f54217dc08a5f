import assert from "node:assert/strict";
import { test } from "node:test";
import { benchDocument, median, pairedRatios, peakRssPerEngine, ratios, summarize } from "../../bench/summary.js";

test("median: the middle sample, or the mean of the middle two", () => {
  assert.equal(median([3]), 3);
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /no samples/);
});

test("summarize: median, range, runs; MIPS only with an instruction count; peak RSS as MB", () => {
  const s = summarize([
    { seconds: 2, instructions: 48_000_069, peakRssKb: 60_000 },
    { seconds: 1.5, instructions: 48_000_069, peakRssKb: 61_440 },
    { seconds: 3, instructions: 48_000_069 },
  ]);
  assert.deepEqual(s, { median_s: 2, min_s: 1.5, max_s: 3, runs: 3, instructions: 48_000_069, mips: 24, peak_rss_mb: 60 });
  const linux = summarize([{ seconds: 8.12345 }, { seconds: 9 }]);
  assert.deepEqual(linux, { median_s: 8.5617, min_s: 8.1235, max_s: 9, runs: 2 });
  assert.throws(() => summarize([]), /no successful runs/);
});

test("ratios of medians for the pairs the issue asks for, only where both engines ran", () => {
  const r = ratios({
    "linux-boot": {
      popek: { median_s: 4, min_s: 4, max_s: 4, runs: 1 },
      "popek-interp": { median_s: 150, min_s: 150, max_s: 150, runs: 1 },
      v86: { median_s: 8, min_s: 8, max_s: 8, runs: 1 },
      qemu: { median_s: 3, min_s: 3, max_s: 3, runs: 1 },
    },
    forkexec: { v86: { median_s: 4, min_s: 4, max_s: 4, runs: 1 } },
  });
  assert.deepEqual(r, {
    "linux-boot": { "popek/v86": 0.5, "popek/qemu": 1.333, "popek-interp/v86": 18.75, "popek-interp/qemu": 50 },
  });
});

test("peak RSS per engine is its highest over all workloads", () => {
  const one = (peak?: number) => ({ median_s: 1, min_s: 1, max_s: 1, runs: 1, peak_rss_mb: peak });
  assert.deepEqual(peakRssPerEngine({ a: { v86: one(300), qemu: one(120) }, b: { v86: one(310), qemu: one(), popek: one(200) } }), {
    v86: 310,
    qemu: 120,
    popek: 200,
  });
});

test("the JSON document has the shape issue 5 gives, and survives JSON", () => {
  const row = (m: number) => ({ median_s: m, min_s: m, max_s: m, runs: 3, peak_rss_mb: 100 });
  const doc = benchDocument({
    date: new Date("2026-11-24T10:00:00Z"),
    host: { cpus: 2, model: "test CPU", node: "v20", load_average: [1, 1, 1] },
    runs: 3,
    results: {
      "linux-boot": { popek: row(4), "popek-interp": row(150), v86: row(8), qemu: row(3) },
      forkexec: { popek: row(1), "popek-interp": row(10), v86: row(4), qemu: row(0.5) },
      "cpu-loop": { "popek-interp": { ...row(1.9), mips: 25.3, instructions: 48_000_069 } },
    },
    peakFrom: ["linux-boot", "forkexec"],
    skipped: {},
    failures: [],
  });
  const back = JSON.parse(JSON.stringify(doc));
  assert.deepEqual(Object.keys(back.workloads), ["linux-boot", "forkexec", "cpu-loop"]);
  assert.deepEqual(Object.keys(back.workloads["linux-boot"]), ["popek", "popek-interp", "v86", "qemu"]);
  for (const k of ["median_s", "min_s", "max_s", "runs"]) assert.equal(typeof back.workloads.forkexec.v86[k], "number", k);
  assert.equal(back.workloads["cpu-loop"]["popek-interp"].mips, 25.3);
  assert.deepEqual(back.peak_rss_mb, { popek: 100, "popek-interp": 100, v86: 100, qemu: 100 });
  assert.equal(back.ratios.forkexec["popek/v86"], 0.25);
  assert.equal(back.ratios["linux-boot"]["popek/qemu"], 1.333);
  assert.deepEqual(back.paired_ratios, {});
  assert.equal(back.date, "2026-11-24T10:00:00.000Z");
  assert.equal(back.host.cpus, 2);
});

test("ratios run by run pair the runs of one round, and leave out a round where one engine failed", () => {
  const runs = (...xs: (number | null)[]) => xs.flatMap((x, k) => (x === null ? [] : [{ seconds: x, run: k + 1 }]));
  const r = pairedRatios({
    // popek's third run failed: rounds 1, 2, 4 and 5 are paired.
    "linux-boot": { popek: runs(6, 6.2, null, 5.8, 9), v86: runs(6.5, 6.2, 6.1, 5.8, 9.9), qemu: runs(3, 3, 3, 3, 3) },
    forkexec: { popek: runs(3, 3), "popek-interp": runs(9, 9) },
  });
  assert.deepEqual(r["linux-boot"]["popek/v86"], { median: 0.962, min: 0.909, max: 1, pairs: 4 });
  assert.deepEqual(r["linux-boot"]["popek/qemu"], { median: 2.033, min: 1.933, max: 3, pairs: 4 });
  // Without a run of the other engine there is nothing to pair.
  assert.deepEqual(r.forkexec, undefined);
  // Samples without a round (as in-process summaries have) are not paired either.
  assert.deepEqual(pairedRatios({ w: { popek: [{ seconds: 1 }], v86: [{ seconds: 2 }] } }), {});
});
