#!/usr/bin/env node
// A stand-in for the GitHub CLI's `gh api`, put first on PATH by scripts.test.ts so the workflows'
// own shell steps run here. Answers from the JSON file $GH_FAKE_ROUTES ({"GET repos/…": body}),
// applies --jq with the real jq (as gh does, raw output), logs every call as one JSON line to
// $GH_FAKE_LOG, and fails like gh (exit 1, "HTTP 404") on a route it does not know.
import { spawnSync } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";

const argv = process.argv.slice(2);
if (argv[0] !== "api") {
  process.stderr.write(`fake gh: only "gh api" is faked, got: gh ${argv.join(" ")}\n`);
  process.exit(2);
}
let method;
let jq;
let endpoint;
const headers = [];
const fields = {};
for (let i = 1; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--paginate") continue;
  if (a === "--method" || a === "-X") method = argv[++i];
  else if (a === "-H" || a === "--header") headers.push(argv[++i]);
  else if (a === "--jq" || a === "-q") jq = argv[++i];
  else if (a === "-f" || a === "-F" || a === "--field" || a === "--raw-field") {
    const kv = argv[++i];
    const eq = kv.indexOf("=");
    const key = kv.slice(0, eq);
    let value = kv.slice(eq + 1);
    if ((a === "-F" || a === "--field") && value.startsWith("@"))
      value = readFileSync(value.slice(1), "utf8");
    fields[key] = value;
  } else if (!a.startsWith("-") && endpoint === undefined) endpoint = a;
  else {
    process.stderr.write(`fake gh: unexpected argument ${a}\n`);
    process.exit(2);
  }
}
method ??= Object.keys(fields).length ? "POST" : "GET";
const route = `${method} ${endpoint}`;
appendFileSync(process.env.GH_FAKE_LOG, `${JSON.stringify({ method, endpoint, headers, fields })}\n`);
const routes = JSON.parse(readFileSync(process.env.GH_FAKE_ROUTES, "utf8"));
if (!(route in routes)) {
  process.stderr.write(`gh: Not Found (HTTP 404) ${route}\n`);
  process.exit(1);
}
const body = routes[route];
const text = typeof body === "string" ? body : JSON.stringify(body);
if (jq) {
  const r = spawnSync("jq", ["-r", jq], { input: text, encoding: "utf8" });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exit(r.status ?? 1);
}
process.stdout.write(text);
