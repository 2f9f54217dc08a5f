/**
 * popek's exit statuses, one per way a run can end. The monitor's own
 * statuses are even and at least 100: a guest exiting through port 0xF4
 * under `--exit-status qemu` always yields an odd status, so a test harness
 * can always tell the two apart; under `raw` small guest values (0–99) are
 * unambiguous too.
 */

export const Status = {
  /** Bad command line (unknown option, malformed number). */
  USAGE: 2,
  /** HLT with interrupts disabled, or waiting for an interrupt that no device can raise. */
  HALTED: 100,
  /** Triple fault: the processor shut down. */
  SHUTDOWN: 102,
  /** An exception named by `--intercept` was raised. */
  EXCEPTION: 104,
  /** `--max-instructions` instructions retired. */
  BUDGET: 106,
  /** The image cannot be loaded: missing, unreadable, empty, or too large for RAM at its load address. */
  BAD_IMAGE: 108,
  /** The host failed the guest (console output could not be written, out of memory). */
  HOST_ERROR: 110,
  /** A bug in popek: an unexpected JavaScript exception. */
  INTERNAL_ERROR: 112,
} as const;

/** How a value written to port 0xF4 becomes the exit status. */
export type ExitStatusMode = "raw" | "qemu";

export const EXIT_STATUS_MODES: readonly ExitStatusMode[] = ["raw", "qemu"];

/**
 * `raw`: the low byte of the value, so a guest writing 0 succeeds.
 * `qemu`: (v << 1) | 1 truncated to a byte, exactly what QEMU's
 * isa-debug-exit produces, so test kernels are judged the same under both.
 */
export function guestExitStatus(value: number, mode: ExitStatusMode): number {
  return mode === "qemu" ? ((value << 1) | 1) & 0xff : value & 0xff;
}
