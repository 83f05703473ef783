// Every command registers itself here. Commands are thin: parse options into typed values and call
// core functions; heavy SDKs are imported lazily inside actions.
import type { Command } from "commander";
import { register as backup } from "./backup.js";
import { register as render } from "./render.js";

export function registerCommands(program: Command): void {
  render(program);
  backup(program);
}
