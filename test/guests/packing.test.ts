import assert from "node:assert/strict";
import { test } from "node:test";
import { gunzipSync, inflateRawSync } from "node:zlib";
import { cpioNewc, S_IFDIR, S_IFREG } from "../../src/guests/cpio.js";
import { crc32, deflateRaw, gzip } from "../../src/guests/gzip.js";

test("crc32 matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

test("our deflate output inflates with zlib to the same bytes, and compresses", () => {
  const text = new TextEncoder().encode("popek ".repeat(5000));
  const rnd = new Uint8Array(70000);
  let x = 12345;
  for (let i = 0; i < rnd.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    rnd[i] = x >>> 24;
  }
  for (const data of [new Uint8Array(0), new Uint8Array([42]), text, rnd]) {
    assert.deepEqual(new Uint8Array(inflateRawSync(deflateRaw(data))), data);
    assert.deepEqual(new Uint8Array(gunzipSync(gzip(data))), data);
  }
  assert.ok(gzip(text).length < 1000, "30000 bytes of repeated text compress below 1000");
});

test("cpio newc: header fields, 4-byte alignment and trailer", () => {
  const a = cpioNewc([
    { path: "bin", mode: S_IFDIR | 0o755 },
    { path: "init", mode: S_IFREG | 0o755, data: new TextEncoder().encode("#!/bin/sh\n") },
  ]);
  const s = new TextDecoder().decode(a);
  assert.ok(s.startsWith("07070100000001000041ed")); // magic, ino 1, mode 040755
  // Second header starts 4-aligned after "bin\0" (110 + 4 = 114 → 116).
  assert.equal(s.slice(116, 122), "070701");
  assert.equal(s.slice(116 + 6 + 6 * 8, 116 + 6 + 7 * 8), "0000000a"); // filesize 10
  assert.ok(s.includes("TRAILER!!!"));
  assert.equal(a.length % 4, 0);
});
