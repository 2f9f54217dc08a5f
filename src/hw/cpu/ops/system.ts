import type { HandlerTable } from "./table.js";

export function installSystem(_t: HandlerTable): void {}
