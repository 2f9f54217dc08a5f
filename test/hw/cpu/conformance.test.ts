/**
 * Instruction conformance: every vector in test/vectors/*.jsonl.gz (one
 * instruction, or a short x87 sequence, with its initial state and the
 * outcome Unicorn — QEMU's x86 core — produced; see scripts/vectors/README.md)
 * must give the same registers, EIP, defined flags, memory and exception on
 * every engine.
 *
 * One subtest per engine and family. Environment:
 *   POPEK_VECTORS_FILTER=text   only vectors whose name contains text
 *   POPEK_VECTORS_VERBOSE=1     print a per-form pass/fail table
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ENGINES, type FormResult, loadVectors, runFamily, summarize, VectorRunner, vectorFiles } from "../../support/vectors.js";

const filter = process.env.POPEK_VECTORS_FILTER ?? "";
const verbose = process.env.POPEK_VECTORS_VERBOSE === "1";

const files = vectorFiles();

test("conformance vectors are present", () => {
  assert.ok(files.length > 0, "no test/vectors/*.jsonl.gz: run `npm run vectors`");
});

for (const engine of ENGINES) {
  for (const { family, path } of files) {
    test(`${engine.name}: ${family} vectors`, () => {
      let vectors = loadVectors(path);
      if (filter) vectors = vectors.filter((v) => v.name.includes(filter));
      const results = runFamily(new VectorRunner(engine), vectors);
      if (verbose && results.length) printTable(engine.name, family, results);
      assert.ok(
        results.every((r) => r.failed === 0),
        summarize(`${engine.name}: ${family}`, results),
      );
    });
  }
}

function printTable(engine: string, family: string, results: FormResult[]): void {
  const lines = [`${engine}: ${family}: form, vectors, passed, failed`];
  for (const r of results)
    lines.push(
      `  ${r.form.padEnd(44)} ${String(r.total).padStart(5)} ${String(r.total - r.failed).padStart(5)} ${String(r.failed).padStart(5)}`,
    );
  const total = results.reduce((n, r) => n + r.total, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  lines.push(`${family}: ${results.length} forms, ${total} vectors, ${total - failed} passed, ${failed} failed`);
  console.log(lines.join("\n"));
}
