import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const bin = join(root, "bin/popek.js");

test("popek bench nano writes the table, the JSON results and a Figure 4 SVG", () => {
  const dir = mkdtempSync(join(tmpdir(), "popek-nano-"));
  try {
    const json = join(dir, "nano.json");
    const svg = join(dir, "nano.svg");
    const r = spawnSync(
      process.execPath,
      [bin, "bench", "nano", "--mode", "native", "--profile", "p4-2006", "--json", json, "--svg", svg],
      {
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^divzero +\d+ +10000 +889 \/ 3223 \/ 1014$/m);
    const data = JSON.parse(readFileSync(json, "utf8"));
    assert.equal(data.profile, "p4-2006");
    assert.equal(data.mode, "native");
    assert.deepEqual(Object.keys(data.results), ["syscall", "in", "tprwr", "call/ret", "pgfault", "divzero", "ptemod"]);
    assert.equal(data.results.in.iterations, 10000);
    const chart = readFileSync(svg, "utf8");
    assert.match(chart, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((chart.match(/<rect [^>]*><title>/g) ?? []).length, 28, "7 tests x 4 series of bars");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("popek bench nano refuses the monitors that do not exist yet, clearly", () => {
  const r = spawnSync(process.execPath, [bin, "bench", "nano", "--mode", "bt"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /^popek: mode "bt" is not available yet: the binary-translating monitor does not exist; only --mode native runs today\n$/,
  );
});
