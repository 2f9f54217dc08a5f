import type { HandlerTable } from "../ops/table.js";

export function installFpu(_t: HandlerTable): void {}
