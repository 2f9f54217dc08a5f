#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with Node's test
// runner. Node 20's `node --test` takes no globs, so we list the files.
// Extra arguments are passed to `node --test` (e.g. --test-name-pattern).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

const files = find("dist/test").sort();
if (files.length === 0) {
  console.error("no test files under dist/test: run `npx tsc -p .` first");
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--test", ...process.argv.slice(2), ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
