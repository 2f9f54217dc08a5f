import type { HandlerTable } from "./table.js";

export function installStack(_t: HandlerTable): void {}
