/**
 * One timed Linux run: spawn the engine's process, watch its stdout (the
 * guest's COM1) for the workload's markers, note when each appears in
 * seconds since the spawn, read the process's peak memory, then kill it —
 * the guest never has to shut down. A process that exits, or takes longer
 * than its timeout, before the last marker is a failed run with a message
 * that shows the console's last line.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Launch } from "./engines.js";
import { MarkerScanner } from "./markers.js";

export interface ChildRun {
  /** Seconds from spawn to each marker, in marker order. */
  readonly marks: readonly number[];
  /** VmHWM of the process just before it was killed, KiB (undefined where /proc is not). */
  readonly peakRssKb?: number;
}

export class RunFailure extends Error {}

/** The VmHWM line of /proc/PID/status (peak resident set size), in KiB. */
export function parseVmHwmKb(status: string): number | undefined {
  const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

function peakRssKb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return parseVmHwmKb(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return undefined; // no /proc on this host
  }
}

function quote(s: string): string {
  return JSON.stringify(s.length > 160 ? `…${s.slice(-160)}` : s);
}

function lastLine(scanner: MarkerScanner): string {
  return scanner.lastLine ? `last console line ${quote(scanner.lastLine)}` : "no console output";
}

export function runChild(launch: Launch, markers: readonly string[], timeoutS: number): Promise<ChildRun> {
  const scanner = new MarkerScanner(markers);
  const marks: number[] = [];
  let stderr = "";
  let outcome: { ok: ChildRun } | { error: string } | undefined;
  const t0 = performance.now();
  const child = spawn(launch.command, launch.args, { stdio: ["ignore", "pipe", "pipe"] });

  return new Promise((resolve, reject) => {
    /** Decide the run once; the promise settles when the process is gone, so runs never overlap. */
    const decide = (o: { ok: ChildRun } | { error: string }) => {
      if (outcome) return;
      outcome = o;
      clearTimeout(timer);
      child.kill("SIGKILL");
    };
    const timer = setTimeout(
      () =>
        decide({
          error: `timed out after ${timeoutS} s waiting for ${quote(scanner.awaiting ?? "")}; ${lastLine(scanner)}`,
        }),
      timeoutS * 1000,
    );
    child.stdout.on("data", (chunk: Buffer) => {
      const now = performance.now();
      for (const _ of scanner.push(chunk.toString("latin1"))) marks.push((now - t0) / 1000);
      // Peak memory is read while the process still exists, just before the kill.
      if (scanner.done) decide({ ok: { marks, peakRssKb: peakRssKb(child.pid) } });
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-2000);
    });
    child.on("error", (e) => {
      decide({ error: `cannot start ${launch.command}: ${e.message}` });
      // A process that never started emits no close.
      if (child.pid === undefined) reject(new RunFailure((outcome as { error: string }).error));
    });
    child.on("close", (code, signal) => {
      decide({
        error:
          `the process ended (${code !== null ? `status ${code}` : signal}) before ${quote(scanner.awaiting ?? "")}; ` +
          lastLine(scanner) +
          (stderr.trim() ? `; stderr ${quote(stderr.trim().split("\n").at(-1) ?? "")}` : ""),
      });
      const o = outcome as { ok: ChildRun } | { error: string };
      if ("ok" in o) resolve(o.ok);
      else reject(new RunFailure(o.error));
    });
  });
}
