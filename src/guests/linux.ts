/**
 * The Linux guest supply: Debian's i386 686 kernel and busybox-static,
 * downloaded with apt, unpacked with dpkg-deb, and an initramfs packed by
 * our own cpio and gzip code. Everything lands in a cache folder outside
 * version control; nothing of Debian's is committed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type CpioEntry, cpioNewc, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG } from "./cpio.js";
import { gzip } from "./gzip.js";

/** The line /init prints once userspace runs: benchmarks and tests wait for it. */
export const BOOT_MARKER = "popek: userspace up";

/** Default kernel command line for the Linux guest. */
export const DEFAULT_APPEND = "console=ttyS0 cryptomgr.notests noisapnp";

/**
 * The layout of the initramfs popek packs; a guest packed by an older popek
 * is repacked by `popek guest fetch linux`. 2: /bin/forkwait added.
 * 3: /bin/forkexec added.
 */
export const INITRAMFS_VERSION = 3;

export interface LinuxGuest {
  kernel: string;
  initrd: string;
  /** Debian package versions the files came from. */
  versions: { kernel: string; busybox: string };
  /** INITRAMFS_VERSION of the packed initrd (absent before version 2). */
  initramfs?: number;
}

export function guestCacheDir(root = process.cwd()): string {
  return resolve(root, ".cache", "guests", "linux");
}

function readManifest(dir: string): LinuxGuest | null {
  const manifest = join(dir, "guest.json");
  if (!existsSync(manifest)) return null;
  return JSON.parse(readFileSync(manifest, "utf8")) as LinuxGuest;
}

/**
 * The fetched guest, or null when `popek guest fetch linux` has not run or
 * its initramfs predates INITRAMFS_VERSION (it lacks programs popek's
 * benchmarks run, so it must be fetched again, which only repacks it).
 */
export function findLinuxGuest(dir = guestCacheDir()): LinuxGuest | null {
  const g = readManifest(dir);
  if (!g || g.initramfs !== INITRAMFS_VERSION) return null;
  if (!existsSync(g.kernel) || !existsSync(g.initrd)) return null;
  return g;
}

/** The package root: the nearest folder above this module with a package.json (works from src/ and dist/src/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

/** The lines /bin/forkexec prints before and after its loop: `npm run bench` times the gap. */
export const FORKEXEC_START = "forkexec: start";
export const FORKEXEC_DONE = "forkexec: done";

/**
 * /bin/forkexec [N]: N (default 200) fork+exec of /bin/true, the process
 * creation cost that `npm run bench` compares across emulators. The full
 * path matters: busybox sh runs a bare `true` as a builtin, but a path is
 * forked and executed.
 */
export const FORKEXEC_SCRIPT = `#!/bin/sh
n=\${1:-200}
echo "${FORKEXEC_START}"
i=0
while [ $i -lt $n ]; do
  /bin/true
  i=$((i + 1))
done
echo "${FORKEXEC_DONE}"
`;

/** Our own guest programs packed into /bin of the initramfs (built by scripts/build-guests.sh). */
export function guestPrograms(root = packageRoot()): CpioEntry[] {
  // forkwait: the fork+waitpid benchmark of Adams & Agesen (guests/forkwait/forkwait.asm).
  const forkwait = join(root, "guests", "forkwait", "forkwait.bin");
  if (!existsSync(forkwait)) throw new Error(`${forkwait} is missing: run scripts/build-guests.sh`);
  return [
    { path: "bin/forkwait", mode: S_IFREG | 0o755, data: readFileSync(forkwait) },
    { path: "bin/forkexec", mode: S_IFREG | 0o755, data: new TextEncoder().encode(FORKEXEC_SCRIPT) },
  ];
}

/**
 * The guest's /init. Kernel command-line words of the form name=value that
 * the kernel does not know become environment variables of init, so
 * `popek_run="cmd"` makes the guest run cmd and power off.
 */
export const INIT_SCRIPT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /tmp
echo "${BOOT_MARKER}"
if [ -n "$popek_run" ]; then
  sh -c "$popek_run"
  echo "popek: command exited with status $?"
  poweroff -f
fi
cd /root
exec setsid cttyhack sh -l
`;

/** Pack an initramfs (gzip'd newc cpio) around a static busybox and extra files. */
export function packInitramfs(busybox: Uint8Array, extra: CpioEntry[] = []): Uint8Array {
  const dir = (path: string): CpioEntry => ({ path, mode: S_IFDIR | 0o755 });
  const enc = new TextEncoder();
  const entries: CpioEntry[] = [
    dir("bin"),
    dir("sbin"),
    dir("dev"),
    dir("etc"),
    dir("proc"),
    dir("sys"),
    dir("tmp"),
    dir("root"),
    // The console must exist before devtmpfs is mounted, for init's stdio.
    { path: "dev/console", mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 },
    { path: "bin/busybox", mode: S_IFREG | 0o755, data: busybox },
    { path: "bin/sh", mode: S_IFLNK | 0o777, target: "busybox" },
    { path: "init", mode: S_IFREG | 0o755, data: enc.encode(INIT_SCRIPT) },
    { path: "etc/profile", mode: S_IFREG | 0o644, data: enc.encode('export PS1="popek# "\nexport PATH=/bin:/sbin\n') },
    ...extra,
  ];
  return gzip(cpioNewc(entries));
}

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Download and unpack the guest (needs apt with the i386 architecture
 * enabled: `dpkg --add-architecture i386 && apt-get update`, which this
 * does itself when it runs as root). `log` receives progress lines.
 */
export function fetchLinuxGuest(dir = guestCacheDir(), log: (line: string) => void = () => {}): LinuxGuest {
  mkdirSync(dir, { recursive: true });
  const old = readManifest(dir);
  const busybox = join(dir, "busybox");
  if (old && existsSync(old.kernel) && existsSync(busybox)) {
    // Kernel and busybox are cached: repack only the initramfs (cheap, and
    // it picks up rebuilt guest programs).
    log("kernel and busybox are cached: repacking the initramfs only");
    return packGuest(dir, old.kernel, old.versions);
  }
  const arches = run("dpkg", ["--print-foreign-architectures"]).split(/\s+/);
  if (!arches.includes("i386")) {
    if (process.getuid?.() !== 0)
      throw new Error("apt does not know the i386 architecture: run `sudo dpkg --add-architecture i386 && sudo apt-get update` first");
    log("enabling the i386 architecture in apt");
    run("dpkg", ["--add-architecture", "i386"]);
    run("apt-get", ["update", "-qq"]);
  }
  const kernelPkg = newestKernelPackage();
  log(`downloading ${kernelPkg}:i386 and busybox-static:i386`);
  const debs = join(dir, "debs");
  rmSync(debs, { recursive: true, force: true });
  mkdirSync(debs, { recursive: true });
  run("apt-get", ["download", `${kernelPkg}:i386`, "busybox-static:i386"], debs);
  const files = readdirSync(debs);
  const kernelDeb = files.find((f) => f.startsWith("linux-image-"));
  const busyboxDeb = files.find((f) => f.startsWith("busybox-static"));
  if (!kernelDeb || !busyboxDeb) throw new Error(`apt-get download did not produce both packages (got: ${files.join(", ")})`);
  const root = join(dir, "root");
  rmSync(root, { recursive: true, force: true });
  for (const deb of [kernelDeb, busyboxDeb]) run("dpkg-deb", ["-x", join(debs, deb), root]);
  const boot = join(root, "boot");
  const vmlinuz = readdirSync(boot).find((f) => f.startsWith("vmlinuz-"));
  if (!vmlinuz) throw new Error(`no vmlinuz in ${kernelDeb}`);
  const kernel = join(dir, "vmlinuz");
  writeFileSync(kernel, readFileSync(join(boot, vmlinuz)));
  writeFileSync(busybox, readFileSync(join(root, "bin", "busybox")));
  // Only the kernel, busybox and the initramfs are kept (the modules are 190 MB).
  rmSync(debs, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
  log("packing the initramfs");
  return packGuest(dir, kernel, { kernel: debVersion(kernelDeb), busybox: debVersion(busyboxDeb) });
}

/** Pack the initramfs from the cached busybox and our programs, and write guest.json. */
function packGuest(dir: string, kernel: string, versions: LinuxGuest["versions"]): LinuxGuest {
  const initrd = join(dir, "initramfs.cpio.gz");
  writeFileSync(initrd, packInitramfs(readFileSync(join(dir, "busybox")), guestPrograms()));
  const guest: LinuxGuest = { kernel, initrd, versions, initramfs: INITRAMFS_VERSION };
  writeFileSync(join(dir, "guest.json"), `${JSON.stringify(guest, null, 2)}\n`);
  return guest;
}

/** linux-image-6.1.0-N-686 with the highest N that apt knows. */
function newestKernelPackage(): string {
  const out = run("apt-cache", ["search", "--names-only", "^linux-image-[0-9.]+-[0-9]+-686$"]);
  const names = out
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => /^linux-image-[\d.]+-\d+-686$/.test(n));
  if (names.length === 0)
    throw new Error("apt knows no linux-image-*-686 package: is the i386 architecture enabled and `apt-get update` done?");
  const abi = (n: string) => Number(n.match(/-(\d+)-686$/)?.[1] ?? 0);
  return names.sort((a, b) => abi(a) - abi(b)).at(-1) as string;
}

function debVersion(file: string): string {
  return decodeURIComponent(file.split("_")[1] ?? "unknown");
}
