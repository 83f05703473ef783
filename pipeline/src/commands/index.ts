// Every command registers itself here. Commands are thin: parse options into typed values and call
// core functions; heavy SDKs are imported lazily inside actions.
import type { Command } from "commander";
import { register as analyze } from "./analyze.js";
import { register as backup } from "./backup.js";
import { register as completion } from "./completion.js";
import { register as diff } from "./diff.js";
import { register as doctor } from "./doctor.js";
import { register as gate } from "./gate.js";
import { register as judge } from "./judge.js";
import { register as loadtest } from "./loadtest.js";
import { register as metrics } from "./metrics.js";
import { register as plan } from "./plan.js";
import { register as promote } from "./promote.js";
import { register as record } from "./record.js";
import { register as release } from "./release.js";
import { register as render } from "./render.js";
import { register as rollback } from "./rollback.js";
import { register as status } from "./status.js";
import { register as unreject } from "./unreject.js";
import { register as validate } from "./validate.js";
import { register as wait } from "./wait.js";

export function registerCommands(program: Command): void {
  render(program);
  analyze(program);
  judge(program);
  validate(program);
  plan(program);
  diff(program);
  backup(program);
  promote(program);
  release(program);
  gate(program);
  loadtest(program);
  record(program);
  status(program);
  rollback(program);
  unreject(program);
  metrics(program);
  completion(program);
  wait(program);
  doctor(program);
}
