/**
 * The real guest: Debian's i386 kernel and busybox boot under popek to the
 * shell, run scripted commands from stdin and power off with status 0.
 * The guest is fetched with apt on first use (CI runs as root on Debian);
 * where that is impossible the test says why and skips.
 *
 * POPEK_SLOW=1 also boots twice and requires byte-identical console output.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { BOOT_MARKER, fetchLinuxGuest, findLinuxGuest } from "../../src/guests/linux.js";

function guestOrReason(): string | false {
  if (findLinuxGuest()) return false;
  if (process.getuid?.() !== 0) return "the Linux guest is not fetched and fetching needs root (npx popek guest fetch linux)";
  try {
    fetchLinuxGuest();
    return false;
  } catch (e) {
    return `cannot fetch the Linux guest: ${e instanceof Error ? e.message : String(e)}`;
  }
}

const noGuest = guestOrReason();
if (noGuest) console.log(`# skipping the Linux boot: ${noGuest}`);

const SCRIPT = "uname -a\ncat /proc/cpuinfo\nls /proc\ndmesg | tail -3\nforkwait 100\necho ok-$((6*7))\npoweroff -f\n";

function boot(): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ["bin/popek.js", "run", "linux", "--rtc-start", "1700000000"], {
    input: SCRIPT,
    encoding: "latin1",
    timeout: 40 * 60_000,
    maxBuffer: 64 << 20,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test("Linux boots to the busybox shell, runs commands and powers off with status 0", { skip: noGuest, timeout: 45 * 60_000 }, () => {
  const r = boot();
  assert.equal(r.status, 0, `status ${r.status}; stderr: ${r.err}\n${r.out.slice(-3000)}`);
  assert.ok(r.out.includes(BOOT_MARKER), "boot marker");
  assert.match(r.out, /Linux \(none\) 6\.1\.\d+-\d+-686 #1 SMP PREEMPT_DYNAMIC Debian/);
  assert.match(r.out, /vendor_id\s*: GenuineIntel/);
  assert.match(r.out, /forkwait: 100 iterations/);
  assert.match(r.out, /ok-42/);
  assert.match(r.out, /reboot: System halted/);
  // Kernel complaints that would be popek's fault.
  for (const bad of [
    /Oops/,
    /BUG:/,
    /Call Trace/,
    /spurious/i,
    /lost interrupt/i,
    /unchecked MSR/,
    /Broken PMU/,
    /TSC.*(unstable|calibration failed)/i,
  ]) {
    assert.doesNotMatch(r.out, bad, `kernel log has ${bad}`);
  }
  if (process.env.POPEK_SLOW) {
    const again = boot();
    assert.equal(again.out, r.out, "two boots with the same input print the same bytes");
  }
});

/** The same boot on one engine for `instructions`, in this process: the cycle counter at the end. */
function cyclesAfter(engine: "jit" | "interp", instructions: number): string {
  const r = spawnSync(
    process.execPath,
    ["bin/popek.js", "run", "linux", "--rtc-start", "1700000000", "--engine", engine, "--max-instructions", String(instructions)],
    { input: "", encoding: "latin1", timeout: 10 * 60_000, maxBuffer: 64 << 20 },
  );
  const m = /(\d+) instructions, (\d+) cycles/.exec(r.stdout + r.stderr);
  assert.ok(m, `no statistics line: ${r.stdout.slice(-500)} ${r.stderr.slice(-500)}`);
  return `${m[1]} instructions, ${m[2]} cycles; console ${r.stdout.replace(/popek: .*\n?$/, "").length} bytes`;
}

// The kernel's own decompressor runs compiled by then (it is the hottest code of the boot);
// POPEK_SLOW=1 takes the whole boot to the shell.
test("the Linux boot charges the same cycles on the block compiler as on the interpreter", { skip: noGuest, timeout: 30 * 60_000 }, () => {
  const n = process.env.POPEK_SLOW ? 2_700_000_000 : 150_000_000;
  assert.equal(cyclesAfter("jit", n), cyclesAfter("interp", n));
});
