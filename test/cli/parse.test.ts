import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "commander";
import { parseExceptions, parseInteger } from "../../src/cli/parse.js";

test("parseInteger takes decimal and 0x hexadecimal within bounds", () => {
  assert.equal(parseInteger("1048576", 0, 0xffffffff), 0x100000);
  assert.equal(parseInteger("0x7C00", 0, 0xffffffff), 0x7c00);
  assert.equal(parseInteger("0xffffffff", 0, 0xffffffff), 0xffffffff);
  for (const bad of ["", "12k", "-1", "0x", "1.5", "0x100000000", "1e6"]) {
    assert.throws(() => parseInteger(bad, 0, 0xffffffff), InvalidArgumentError, bad);
  }
  assert.throws(() => parseInteger("0", 1, 3072), /from 1 to 3072/);
});

test("parseExceptions maps mnemonics (with or without #) and numbers to vectors", () => {
  assert.deepEqual(parseExceptions("ud"), [6]);
  assert.deepEqual(parseExceptions("#GP, pf,de"), [0, 13, 14]);
  assert.deepEqual(parseExceptions("8,18"), [8, 18]);
  assert.equal(parseExceptions("all").length, 32);
  assert.throws(() => parseExceptions("ud,xx"), /unknown exception 'xx'/);
  assert.throws(() => parseExceptions("32"), InvalidArgumentError);
});
