// `popek run` end to end: spawn the CLI as a user would (node bin/popek.js)
// and check stdout, the one line on stderr and the exit status.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const bin = join(root, "bin/popek.js");
const tmp = mkdtempSync(join(tmpdir(), "popek-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

function popek(...args: string[]): Outcome {
  // A broken guest or CPU must fail the test, not hang it.
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A guest image made of `bytes`, in a temporary file. */
function image(name: string, bytes: number[] | Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, Uint8Array.from(bytes));
  return path;
}

/** stderr is exactly one line starting with "popek: ", and no stack trace. */
function oneLine(o: Outcome): string {
  assert.match(o.stderr, /^popek: [^\n]*\n$/, `expected one line on stderr, got:\n${o.stderr}`);
  assert.doesNotMatch(o.stderr, /\n\s+at /);
  return o.stderr.trimEnd();
}

test("hello guest: prints its line and exits 0 through port 0xF4", () => {
  const o = popek("run", "guests/hello/hello.bin");
  assert.equal(o.stdout, "Hello from popek\n");
  assert.equal(o.status, 0);
  // 3 setup + 17 characters x 5 + xor + out = 90 instructions (guests/hello/hello.asm).
  assert.match(
    oneLine(o),
    /^popek: guest exit: guest wrote 0x0 to port 0xf4, status 0 \(--exit-status raw\); 90 instructions, \d+ cycles$/,
  );
});

test("--exit-status qemu: a write of v gives (v << 1) | 1, as QEMU's isa-debug-exit", () => {
  assert.equal(popek("run", "--exit-status", "qemu", "guests/hello/hello.bin").status, 1);
  // mov al, 0x2a; out 0xf4, al
  const guest = image("exit42.bin", [0xb0, 0x2a, 0xe6, 0xf4]);
  assert.equal(popek("run", "--max-instructions", "1000", "--exit-status", "qemu", guest).status, 0x55);
  assert.equal(popek("run", "--max-instructions", "1000", guest).status, 0x2a);
});

test("missing image: one line, status 108", () => {
  const o = popek("run", "no/such/image.bin");
  assert.equal(o.status, 108);
  assert.equal(o.stdout, "");
  assert.equal(oneLine(o), "popek: cannot open image 'no/such/image.bin': no such file");
});

test("empty image: one line, status 108", () => {
  const path = image("empty.bin", []);
  const o = popek("run", path);
  assert.equal(o.status, 108);
  assert.equal(oneLine(o), `popek: image '${path}' is empty`);
});

test("image larger than RAM above the load address: one line, status 108", () => {
  // --mem 2 leaves exactly 1 MiB above the default load address 0x100000.
  const path = image("big.bin", new Uint8Array(0x100001));
  const o = popek("run", "--mem", "2", path);
  assert.equal(o.status, 108);
  assert.equal(
    oneLine(o),
    `popek: image '${path}' is 1048577 bytes, but RAM above the load address 0x100000 holds only 1048576 (--mem 2); lower --load or raise --mem`,
  );
  // One byte less fits (and runs into the budget: 0x00 0x00 is add [eax], al).
  assert.equal(popek("run", "--mem", "2", "--max-instructions", "5", image("fits.bin", new Uint8Array(0x100000))).status, 106);
});

test("load address outside RAM: one line, status 108", () => {
  const o = popek("run", "--load", "0x1000000", "guests/hello/hello.bin");
  assert.equal(o.status, 108);
  assert.equal(oneLine(o), "popek: load address 0x1000000 is outside RAM (16 MiB; see --mem)");
});

test("bad option values are usage errors: one line, status 2", () => {
  for (const args of [
    ["run", "--load", "12k", "guests/hello/hello.bin"],
    ["run", "--mem", "0", "guests/hello/hello.bin"],
    ["run", "--exit-status", "posix", "guests/hello/hello.bin"],
    ["run", "--intercept", "xx", "guests/hello/hello.bin"],
    ["run", "--real", "--entry", "0x10000", "guests/hello/hello.bin"],
    ["run"],
    ["frobnicate"],
  ]) {
    const o = popek(...args);
    assert.equal(o.status, 2, args.join(" "));
    oneLine(o);
  }
});

test("HLT with interrupts disabled: 'guest halted', status 100", () => {
  const o = popek("run", "--max-instructions", "1000", image("halt.bin", [0xfa, 0xf4])); // cli; hlt
  assert.equal(o.status, 100);
  assert.match(oneLine(o), /^popek: guest halted: HLT with interrupts disabled, at 0008:00100002; 2 instructions, \d+ cycles$/);
});

test("HLT with interrupts enabled and no interrupt source is reported as halted too", () => {
  const o = popek("run", "--max-instructions", "1000", image("sti-halt.bin", [0xfb, 0xf4])); // sti; hlt
  assert.equal(o.status, 100);
  assert.match(oneLine(o), /^popek: guest halted: HLT waiting for an interrupt, but this machine has no interrupt source/);
});

test("an invalid opcode with no IDT ends in a triple fault: status 102, first cause named", () => {
  const o = popek("run", "--max-instructions", "1000", image("ud2.bin", [0x90, 0x0f, 0x0b])); // nop; ud2
  assert.equal(o.status, 102);
  // #UD finds no IDT entry (limit 0): #GP, which finds none either: #DF, which fails with
  // #GP(0x43): IDT entry 8 (8 * 8 + 2) plus EXT, as the event was not a software interrupt.
  assert.match(
    oneLine(o),
    /^popek: shutdown: #UD invalid opcode at 0008:00100001 could not be delivered: triple fault: #GP general protection error code 0x0043 while delivering a double fault; 1 instructions, \d+ cycles$/,
  );
});

test("a triple fault in real mode (IDTR limit 0, then ud2): status 102", () => {
  // lidt [cs:0x7c10]; ud2; ... at 0x7c10: limit 0, base 0
  const code = new Uint8Array(0x16);
  code.set([0x2e, 0x0f, 0x01, 0x1e, 0x10, 0x7c, 0x0f, 0x0b]);
  const o = popek("run", "--max-instructions", "1000", "--real", image("real-tf.bin", code));
  assert.equal(o.status, 102);
  // #UD finds the IVT too short: #GP, likewise: #DF, likewise: shutdown.
  assert.match(
    oneLine(o),
    /^popek: shutdown: #UD invalid opcode at 0000:7c06 could not be delivered: triple fault: #GP general protection error code 0x0000 while delivering a double fault; 1 instructions/,
  );
});

test("--intercept ud: the exception stops the run before delivery, status 104", () => {
  const o = popek("run", "--max-instructions", "1000", "--intercept", "ud", image("ud2-int.bin", [0x90, 0x0f, 0x0b]));
  assert.equal(o.status, 104);
  assert.match(
    oneLine(o),
    /^popek: exception intercepted: #UD invalid opcode at 0008:00100001 \(--intercept\); 1 instructions, \d+ cycles$/,
  );
});

test("--max-instructions: stops after exactly n instructions, status 106", () => {
  const o = popek("run", "--max-instructions", "1000", image("spin.bin", [0xeb, 0xfe])); // jmp $
  assert.equal(o.status, 106);
  assert.match(
    oneLine(o),
    /^popek: instruction budget reached: 1000 instructions \(--max-instructions\), guest at 0008:00100000; 1000 instructions, \d+ cycles$/,
  );
});

test("--real: 16-bit code at 0000:7c00 talks to the same ports", () => {
  // mov ax, 0x4952 ("RI"); out 0xe9, al; mov al, ah; out 0xe9, al; mov al, 3; out 0xf4, al
  const code = [0xb8, 0x52, 0x49, 0xe6, 0xe9, 0x88, 0xe0, 0xe6, 0xe9, 0xb0, 0x03, 0xe6, 0xf4];
  const o = popek("run", "--max-instructions", "1000", "--real", image("real.bin", code));
  assert.equal(o.stdout, "RI");
  assert.equal(o.status, 3);
  assert.match(oneLine(o), /^popek: guest exit: guest wrote 0x3 to port 0xf4, status 3 \(--exit-status raw\); 6 instructions/);
});

test("--load and --entry place and start the image where asked", () => {
  // At 0x3000: a byte of padding (0xf4, hlt, never executed), then: mov al, 'E'; out 0xe9, al; mov al, 0; out 0xf4, al
  const guest = image("entry.bin", [0xf4, 0xb0, 0x45, 0xe6, 0xe9, 0xb0, 0x00, 0xe6, 0xf4]);
  const o = popek("run", "--max-instructions", "1000", "--load", "0x3000", "--entry", "0x3001", guest);
  assert.equal(o.stdout, "E");
  assert.equal(o.status, 0);
});

/** `popek run ARGS` with its stdout closed at once (a reader that went away): status and stderr. */
async function runWithStdoutClosed(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, "run", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.destroy();
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (s: string) => {
    stderr += s;
  });
  const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { status, stderr };
}

test("stdout closed under the guest: host error, status 110", async () => {
  // A guest that prints forever; the reader goes away at once.
  const guest = image("chatty.bin", [0xb0, 0x41, 0xe6, 0xe9, 0xeb, 0xfa]); // mov al, 'A'; out 0xe9, al; jmp back
  const { status, stderr } = await runWithStdoutClosed(guest);
  assert.equal(status, 110);
  assert.match(stderr, /^popek: host error: cannot write the guest's console output to stdout \(EPIPE\); \d+ instructions, \d+ cycles\n$/);
});

test("stdout closed under a PC guest (--bios): the same host error, status 110, not an internal error", async () => {
  const { status, stderr } = await runWithStdoutClosed("--bios", join(root, "guests", "tests", "build", "exceptions.bin"));
  assert.equal(status, 110);
  assert.match(
    stderr,
    /^popek: host error: cannot write the guest's console output to stdout \(EPIPE\); \d+ instructions, \d+ cycles .*\n$/,
  );
});

test("--help lists the exit statuses; --version prints package.json's version", () => {
  const help = popek("run", "--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Exit status:/);
  assert.match(help.stdout, /106 +instruction budget reached/);
  const version = popek("--version");
  assert.equal(version.status, 0);
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  assert.equal(version.stdout, `${pkg.version}\n`);
});
