import assert from "node:assert/strict";
import { test } from "node:test";
import { HostError, type RunConfig, runFlat } from "../../../src/vmm/native/run.js";
import { guestExitStatus, Status } from "../../../src/vmm/native/status.js";

function config(code: number[], over: Partial<RunConfig> = {}): RunConfig {
  return {
    image: Uint8Array.from(code),
    load: 0x100000,
    entry: 0x100000,
    real: false,
    ramBytes: 4 << 20,
    maxInstructions: Number.POSITIVE_INFINITY,
    exitStatus: "raw",
    intercept: [],
    output: () => {},
    ...over,
  };
}

// mov al, 'A'; out 0xe9, al; mov al, 7; out 0xf4, al
const PRINT_A_EXIT_7 = [0xb0, 0x41, 0xe6, 0xe9, 0xb0, 0x07, 0xe6, 0xf4];

test("port 0xE9 output reaches the sink and the 0xF4 value is the exit status", () => {
  const out: number[] = [];
  const r = runFlat(config(PRINT_A_EXIT_7, { output: (b) => out.push(...b) }));
  assert.deepEqual(out, [0x41]);
  assert.equal(r.kind, "exit");
  assert.equal(r.status, 7);
  assert.equal(r.instructions, 4);
});

test("guestExitStatus: raw keeps the low byte, qemu is (v << 1) | 1 truncated to a byte", () => {
  assert.equal(guestExitStatus(0, "raw"), 0);
  assert.equal(guestExitStatus(0x1ff, "raw"), 0xff);
  assert.equal(guestExitStatus(0, "qemu"), 1);
  assert.equal(guestExitStatus(1, "qemu"), 3);
  assert.equal(guestExitStatus(0x7f, "qemu"), 0xff);
  assert.equal(guestExitStatus(0x80, "qemu"), 1); // exit(0x101) is seen as 1
});

test("the monitor's own statuses are even, so they never look like a QEMU-style guest exit", () => {
  for (const [name, s] of Object.entries(Status)) {
    assert.equal(s % 2, 0, name);
    for (let v = 0; v < 256; v++) assert.notEqual(guestExitStatus(v, "qemu"), s);
  }
  assert.equal(new Set(Object.values(Status)).size, Object.values(Status).length);
});

test("the budget is exact across interpreter chunks", () => {
  const n = (1 << 20) + 3; // one chunk is 2^20 instructions
  const r = runFlat(config([0xeb, 0xfe], { maxInstructions: n })); // jmp $
  assert.equal(r.kind, "budget");
  assert.equal(r.status, Status.BUDGET);
  assert.equal(r.instructions, n);
});

test("a sink that fails with HostError ends the run as a host error", () => {
  const r = runFlat(
    config(PRINT_A_EXIT_7, {
      output: () => {
        throw new HostError("disk full");
      },
    }),
  );
  assert.equal(r.kind, "host-error");
  assert.equal(r.status, Status.HOST_ERROR);
  assert.equal(r.reason, "host error: disk full");
});

test("any other exception is an internal error, reported with where the guest was, never thrown", () => {
  const r = runFlat(
    config(PRINT_A_EXIT_7, {
      output: () => {
        throw new TypeError("boom");
      },
    }),
  );
  assert.equal(r.kind, "internal-error");
  assert.equal(r.status, Status.INTERNAL_ERROR);
  assert.match(r.reason, /^internal error: TypeError: boom \(guest at 0008:001000\w\w\)$/);
  assert.ok(r.error instanceof TypeError);
});

test("configuration errors are results, not exceptions", () => {
  assert.equal(runFlat(config([])).kind, "bad-image");
  assert.equal(runFlat(config([0x90], { load: 4 << 20 })).status, Status.BAD_IMAGE);
  const r = runFlat(config([0x90], { real: true, load: 0x7c00, entry: 0x10000 }));
  assert.equal(r.kind, "bad-config");
  assert.equal(r.status, Status.USAGE);
  assert.match(r.reason, /entry must be at most 0xffff/);
});

test("--intercept takes only the vectors asked for", () => {
  const ud2 = [0x0f, 0x0b];
  assert.equal(runFlat(config(ud2, { intercept: [6] })).kind, "exception");
  assert.equal(runFlat(config(ud2, { intercept: [13] })).kind, "shutdown");
});
