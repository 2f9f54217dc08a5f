/**
 * Parsers for option values. They throw commander's InvalidArgumentError,
 * which commander turns into one line naming the option.
 */
import { InvalidArgumentError } from "commander";

/** A decimal or 0x-prefixed hexadecimal integer in [min, max]. */
export function parseInteger(text: string, min: number, max: number): number {
  const t = text.trim();
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new InvalidArgumentError("expected a number, decimal or 0x-prefixed hexadecimal.");
  const v = Number(t);
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new InvalidArgumentError(`expected a number from ${show(min)} to ${show(max)}.`);
  return v;
}

function show(v: number): string {
  return v >= 0x10000 && v !== Number.MAX_SAFE_INTEGER ? `0x${v.toString(16)}` : String(v);
}

/** Exception mnemonics by vector (SDM vol. 3, table 6-1). */
const VECTOR_NAMES: Record<string, number> = {
  de: 0,
  db: 1,
  nmi: 2,
  bp: 3,
  of: 4,
  br: 5,
  ud: 6,
  nm: 7,
  df: 8,
  ts: 10,
  np: 11,
  ss: 12,
  gp: 13,
  pf: 14,
  mf: 16,
  ac: 17,
  mc: 18,
};

/**
 * A comma-separated list of exceptions: mnemonics with or without '#'
 * ("ud,#GP"), vector numbers 0–31, or "all". Returns the vectors, sorted.
 */
export function parseExceptions(text: string): number[] {
  const out = new Set<number>();
  for (const raw of text.split(",")) {
    const word = raw.trim().toLowerCase().replace(/^#/, "");
    if (word === "") continue;
    if (word === "all") {
      for (let v = 0; v < 32; v++) out.add(v);
    } else if (word in VECTOR_NAMES) {
      out.add(VECTOR_NAMES[word]);
    } else if (/^[0-9]+$/.test(word) && Number(word) < 32) {
      out.add(Number(word));
    } else {
      throw new InvalidArgumentError(
        `unknown exception '${raw.trim()}': use ${Object.keys(VECTOR_NAMES).join(",")}, a vector 0-31, or all.`,
      );
    }
  }
  return [...out].sort((a, b) => a - b);
}
