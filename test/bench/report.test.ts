import assert from "node:assert/strict";
import { test } from "node:test";
import { reportLines, table } from "../../bench/report.js";
import { benchDocument } from "../../bench/summary.js";

test("table pads columns to the widest cell", () => {
  assert.deepEqual(
    table([
      ["a", "bb"],
      ["ccc", "d"],
    ]),
    ["a    bb", "ccc  d"],
  );
});

test("the report has a row per result, the ratios, peak memory, skips and failures", () => {
  const row = (m: number, peak: number) => ({ median_s: m, min_s: m - 1, max_s: m + 1, runs: 3, peak_rss_mb: peak });
  const doc = benchDocument({
    date: new Date(0),
    host: { cpus: 2, model: "test", node: "v20", load_average: [0, 0, 0] },
    runs: 3,
    results: {
      "linux-boot": { popek: row(4, 200), v86: row(8, 300) },
      "cpu-loop": { popek: { median_s: 0.5, min_s: 0.4, max_s: 0.6, runs: 3, peak_rss_mb: 60, mips: 96, instructions: 48_000_069 } },
    },
    peakFrom: ["linux-boot"],
    samples: {
      "linux-boot": {
        popek: [
          { seconds: 4, run: 1 },
          { seconds: 6, run: 3 },
        ],
        v86: [
          { seconds: 8, run: 1 },
          { seconds: 7, run: 2 },
          { seconds: 10, run: 3 },
        ],
      },
    },
    skipped: { qemu: "qemu-system-i386 is not installed" },
    failures: [{ workload: "linux-boot", engine: "popek", run: 2, error: "timed out" }],
  });
  const lines = reportLines(doc);
  assert.match(lines[0], /^workload\s+engine\s+median s\s+min-max s\s+runs\s+MIPS\s+peak RSS MB$/);
  assert.match(lines[1], /^linux-boot\s+popek\s+4\.000\s+3\.000-5\.000\s+3\s+200$/);
  assert.match(lines[3], /^cpu-loop\s+popek\s+0\.500\s+0\.400-0\.600\s+3\s+96\.0\s+60$/);
  assert.ok(lines.includes("linux-boot ratios of medians: popek/v86 0.50"));
  assert.ok(lines.includes("linux-boot ratios run by run, median (range): popek/v86 0.55 (0.50-0.60, 2 pairs)"));
  assert.ok(lines.includes("peak RSS over the Linux runs (128 MiB guest): popek 200 MB, v86 300 MB"));
  assert.ok(lines.includes("skipped qemu: qemu-system-i386 is not installed"));
  assert.match(lines.at(-1) ?? "", /^1 failed run/);
});
