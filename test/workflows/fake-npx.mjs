#!/usr/bin/env node
// A stand-in for `npx`, put first on PATH by scripts.test.ts: logs every call (its arguments, and
// the content of any argument that names an existing file) as one JSON line to $NPX_FAKE_LOG, and
// answers from $NPX_FAKE_ROUTES ({"ngx-release gate staging": {"stdout": "…", "code": 1}}), keyed
// by the arguments joined with spaces. Unknown calls exit 127 like a missing command.
import { appendFileSync, existsSync, readFileSync, statSync } from "node:fs";

const args = process.argv.slice(2);
const files = {};
for (const a of args) if (existsSync(a) && statSync(a).isFile()) files[a] = readFileSync(a, "utf8");
appendFileSync(process.env.NPX_FAKE_LOG, `${JSON.stringify({ args, files })}\n`);
const routes = JSON.parse(readFileSync(process.env.NPX_FAKE_ROUTES, "utf8"));
const key = args.join(" ");
const answer = routes[key] ?? routes["*"];
if (!answer) {
  process.stderr.write(`fake npx: no answer for "${key}"\n`);
  process.exit(127);
}
if (answer.stdout) process.stdout.write(answer.stdout);
if (answer.stderr) process.stderr.write(answer.stderr);
process.exit(answer.code ?? 0);
