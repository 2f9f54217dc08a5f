/** The cost profiles by name. */
import { CORE2_2008 } from "./core2-2008.js";
import { MODERN } from "./modern.js";
import { P4_2006 } from "./p4-2006.js";
import type { CostProfile } from "./profile.js";

export const PROFILES: Readonly<Record<string, CostProfile>> = {
  [P4_2006.name]: P4_2006,
  [CORE2_2008.name]: CORE2_2008,
  [MODERN.name]: MODERN,
};

export const DEFAULT_PROFILE = P4_2006;

export function profileByName(name: string): CostProfile {
  const p = PROFILES[name];
  if (!p) throw new Error(`unknown cost profile "${name}" (known: ${Object.keys(PROFILES).join(", ")})`);
  return p;
}
