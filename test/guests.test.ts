// The committed guest images (guests/NAME/NAME.bin): they rebuild byte for
// byte from their sources, and they do what their sources say. The test
// kernels in guests/tests/ are checked by their own tests.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { type RunConfig, runFlat } from "../src/vmm/native/run.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const guests = readdirSync(join(root, "guests"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, "guests", d.name, `${d.name}.asm`)))
  .map((d) => d.name);

const nasm = spawnSync("nasm", ["-v"], { encoding: "utf8" });
const noNasm = nasm.status === 0 ? false : "nasm is not installed (apt-get install nasm); the committed images are not checked";
if (noNasm) console.log(`# skipping the guest rebuild check: ${noNasm}`);

test("every committed guest image is what scripts/build-guests.sh builds from its source", { skip: noNasm }, () => {
  const out = mkdtempSync(join(tmpdir(), "popek-guests-"));
  try {
    const r = spawnSync("bash", [join(root, "scripts/build-guests.sh"), out], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(guests.length >= 2);
    for (const g of guests) {
      const committed = readFileSync(join(root, "guests", g, `${g}.bin`));
      const rebuilt = readFileSync(join(out, `${g}.bin`));
      assert.ok(committed.equals(rebuilt), `guests/${g}/${g}.bin differs from a fresh build of ${g}.asm: run scripts/build-guests.sh`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

function run(image: Uint8Array): { out: string; kind: string; status: number; instructions: number } {
  let out = "";
  const config: RunConfig = {
    image,
    load: 0x100000,
    entry: 0x100000,
    real: false,
    ramBytes: 4 << 20,
    maxInstructions: 1e8,
    exitStatus: "raw",
    intercept: [],
    output: (b) => {
      out += Buffer.from(b).toString("latin1");
    },
  };
  const r = runFlat(config);
  return { out, kind: r.kind, status: r.status, instructions: r.instructions };
}

/** cpuloop's checksum computed in JavaScript from the loop in cpuloop.asm. */
function cpuloopModel(iterations: number): string {
  const table = new Uint32Array(16);
  let eax = 0;
  let ebx = 0;
  let edi = 0x9e3779b9;
  for (let ecx = iterations; ecx > 0; ecx--) {
    const edx = ((table[ebx] + eax) ^ ecx) >>> 0;
    table[ebx] = edx;
    eax = (eax + edx * 2 + 1) >>> 0;
    eax = ((eax << 5) | (eax >>> 27)) >>> 0;
    eax = (eax - ebx) >>> 0;
    edi = (edi + edx) >>> 0;
    ebx = (ebx + 1) & 15;
  }
  return `${((eax ^ edi) >>> 0).toString(16).padStart(8, "0")}\n`;
}

test("cpuloop prints the checksum of its loop and retires 12 * N + 69 instructions", () => {
  const committed = readFileSync(join(root, "guests/cpuloop/cpuloop.bin"));
  const view = new DataView(committed.buffer, committed.byteOffset);
  assert.equal(view.getUint32(4, true), 4_000_000, "the iteration count is the dword at offset 4");
  for (const n of [1, 17, 1000]) {
    const image = Uint8Array.from(committed);
    new DataView(image.buffer).setUint32(4, n, true);
    const r = run(image);
    assert.equal(r.kind, "exit");
    assert.equal(r.status, 0);
    assert.equal(r.out, cpuloopModel(n), `N = ${n}`);
    assert.equal(r.instructions, 12 * n + 69, `N = ${n}`);
  }
});
