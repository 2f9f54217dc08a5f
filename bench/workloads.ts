/**
 * The benchmark workloads. A Linux workload boots the fetched Debian guest
 * in a child process and is timed by marker lines on its serial console; a
 * flat workload is one of our bare-metal guests with a known instruction
 * count, run in this process.
 */
import { BOOT_MARKER, DEFAULT_APPEND, FORKEXEC_DONE, FORKEXEC_START } from "../src/guests/linux.js";

/** Guest RAM for the Linux workloads, MiB, on every engine. */
export const LINUX_MEM_MIB = 128;

export interface LinuxWorkload {
  readonly kind: "linux";
  readonly description: string;
  /** The kernel command line. */
  readonly append: string;
  /** Console lines awaited in order; the run ends (the process is killed) at the last. */
  readonly markers: readonly string[];
  /** The figure, from the seconds since process start at which each marker appeared. */
  seconds(marks: readonly number[]): number;
}

export interface FlatWorkload {
  readonly kind: "flat";
  readonly description: string;
  /** Flat binary, relative to the repository root. */
  readonly image: string;
  /** Checks one run's debug-console output; throws when the run went wrong. */
  check(output: string): void;
}

export type Workload = LinuxWorkload | FlatWorkload;

export const WORKLOADS: Record<string, Workload> = {
  "linux-boot": {
    kind: "linux",
    description: `Debian's 686 kernel + our busybox initramfs, ${LINUX_MEM_MIB} MiB: process start to "${BOOT_MARKER}" on the console`,
    append: DEFAULT_APPEND,
    markers: [BOOT_MARKER],
    seconds: (marks) => marks[0],
  },
  forkexec: {
    kind: "linux",
    description: `200 fork+exec of /bin/true in the same guest (/bin/forkexec): "${FORKEXEC_START}" to "${FORKEXEC_DONE}"`,
    append: `${DEFAULT_APPEND} popek_run=/bin/forkexec`,
    markers: [FORKEXEC_START, FORKEXEC_DONE],
    seconds: (marks) => marks[1] - marks[0],
  },
  "cpu-loop": {
    kind: "flat",
    description: "guests/cpuloop: 4M rounds of 12 ALU/load/store/branch instructions, checksum on port 0xE9",
    image: "guests/cpuloop/cpuloop.bin",
    check(output) {
      if (!/^[0-9a-f]{8}\n$/.test(output)) throw new Error(`expected an 8-digit checksum, got ${JSON.stringify(output)}`);
    },
  },
};
