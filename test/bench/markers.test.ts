import assert from "node:assert/strict";
import { test } from "node:test";
import { MarkerScanner, printable } from "../../bench/markers.js";

const CONSOLE = "[    5.03] Run /init as init process\r\npopek: userspace up\r\nforkexec: start\r\nforkexec: done\r\npopek# ";

function feed(scanner: MarkerScanner, chunks: string[]): { marker: string; chunk: number }[] {
  const seen: { marker: string; chunk: number }[] = [];
  chunks.forEach((c, k) => {
    for (const marker of scanner.push(c)) seen.push({ marker, chunk: k });
  });
  return seen;
}

test("a marker is found wherever the stream splits it, in the chunk that completes it", () => {
  const markers = ["popek: userspace up", "forkexec: start", "forkexec: done"];
  for (let cut = 0; cut <= CONSOLE.length; cut++) {
    const s = new MarkerScanner(markers);
    const seen = feed(s, [CONSOLE.slice(0, cut), CONSOLE.slice(cut)]);
    assert.deepEqual(
      seen.map((x) => x.marker),
      markers,
      `cut at ${cut}`,
    );
    for (const { marker, chunk } of seen) {
      const end = CONSOLE.indexOf(marker) + marker.length;
      assert.equal(chunk, end <= cut ? 0 : 1, `${marker} cut at ${cut}`);
    }
    assert.ok(s.done);
  }
});

test("one byte at a time: each marker completes on its last byte", () => {
  const s = new MarkerScanner(["forkexec: start", "forkexec: done"]);
  const seen = feed(s, [...CONSOLE]);
  assert.deepEqual(seen, [
    { marker: "forkexec: start", chunk: CONSOLE.indexOf("forkexec: start") + 14 },
    { marker: "forkexec: done", chunk: CONSOLE.indexOf("forkexec: done") + 13 },
  ]);
});

test("markers are awaited in order: a later one seen early does not count", () => {
  const s = new MarkerScanner(["start", "done"]);
  assert.deepEqual(s.push("done before start\n"), ["start"]);
  assert.equal(s.awaiting, "done");
  assert.deepEqual(s.push("still not d"), []);
  assert.deepEqual(s.push("one\n"), ["done"]);
  assert.equal(s.awaiting, null);
  assert.deepEqual(s.push("done again"), [], "nothing after the last marker");
});

test("two markers in one chunk are both reported", () => {
  assert.deepEqual(new MarkerScanner(["a:1", "b:2"]).push("xx a:1 yy b:2 zz"), ["a:1", "b:2"]);
});

test("an empty marker is refused", () => {
  assert.throws(() => new MarkerScanner(["ok", ""]), /must not be empty/);
});

test("the last console line drops terminal escapes and control characters", () => {
  const s = new MarkerScanner(["never"]);
  s.push("SeaBIOS\r\n\x1b[2J\x1b[0mBooting from ROM...\r\n");
  assert.equal(s.lastLine, "Booting from ROM...");
  s.push("popek# \x1b[6n");
  assert.equal(s.lastLine, "popek# ");
  assert.equal(printable("a\x07b\x1b[?7lc"), "abc");
});
