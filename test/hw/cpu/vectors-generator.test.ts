/**
 * The conformance vectors are only as good as their generator: regenerate a
 * sample of every form with Unicorn (Debian's python3-unicorn, under
 * /usr/bin/python3) and require it to equal the committed vectors. CI
 * installs python3-unicorn, so this runs there.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const PYTHON = "/usr/bin/python3";
const probe = spawnSync(PYTHON, ["-c", "import unicorn"], { encoding: "utf8" });
const noUnicorn = probe.status === 0 ? false : "Debian's python3-unicorn is not installed (apt-get install python3-unicorn)";
if (noUnicorn) console.log(`# skipping the vector regeneration check: ${noUnicorn}`);

test("a regenerated sample of every vector form equals the committed vectors", { skip: noUnicorn }, () => {
  const r = spawnSync(PYTHON, ["scripts/vectors/gen.py", "--sample", "2", "--check"], { encoding: "utf8", timeout: 600_000 });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout + r.stderr, /check: 0 forms differ from the committed vectors/);
});
