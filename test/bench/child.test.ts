import assert from "node:assert/strict";
import { test } from "node:test";
import { parseVmHwmKb, RunFailure, runChild } from "../../bench/child.js";

/** A child process running a short Node script that plays the part of an emulator. */
function node(script: string) {
  return { command: process.execPath, args: ["-e", script] };
}

test("runChild times each marker from spawn, reads peak memory and kills the process", async () => {
  const r = await runChild(
    node(`process.stdout.write("boot...\\npopek: user"); setTimeout(() => process.stdout.write("space up\\n"), 150);
      setTimeout(() => {}, 60000);`),
    ["popek: userspace up"],
    20,
  );
  assert.equal(r.marks.length, 1);
  assert.ok(r.marks[0] >= 0.15 && r.marks[0] < 15, `mark at ${r.marks[0]} s`);
  if (process.platform === "linux") assert.ok((r.peakRssKb ?? 0) > 1000, `peak ${r.peakRssKb} KiB`);
});

test("a process that ends before the last marker fails with its last console line", async () => {
  await assert.rejects(
    runChild(
      node(`console.log("forkexec: start"); console.log("sh: not found"); process.exit(3);`),
      ["forkexec: start", "forkexec: done"],
      20,
    ),
    (e: unknown) =>
      e instanceof RunFailure &&
      /status 3\) before "forkexec: done"/.test(e.message) &&
      /last console line "sh: not found"/.test(e.message),
  );
});

test("a run that outlasts its timeout is killed and reported", async () => {
  const t0 = performance.now();
  await assert.rejects(
    runChild(node(`console.log("Booting"); setTimeout(() => {}, 60000);`), ["never"], 1),
    /timed out after 1 s waiting for "never"; last console line "Booting"/,
  );
  assert.ok(performance.now() - t0 < 10_000);
});

test("a command that does not exist is a failed run, not a crash", async () => {
  await assert.rejects(runChild({ command: "popek-no-such-command", args: [] }, ["x"], 5), /cannot start popek-no-such-command/);
});

test("VmHWM is read from /proc/PID/status in KiB", () => {
  assert.equal(parseVmHwmKb("Name:\tnode\nVmPeak:\t  900 kB\nVmHWM:\t   61234 kB\nVmRSS:\t 5000 kB\n"), 61234);
  assert.equal(parseVmHwmKb("Name:\tkthreadd\n"), undefined);
});
