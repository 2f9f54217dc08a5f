import type { HandlerTable } from "./table.js";

export function installControl(_t: HandlerTable): void {}
