import type { HandlerTable } from "./table.js";

export function installString(_t: HandlerTable): void {}
