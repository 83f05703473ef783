// What people see of a load test: a table for the terminal, one summary line (ledger, gate reason) and
// a Markdown block for the promotion pull request with the replicas over time as a small chart.
// Workload names come from Argo CD (foreign text): only [A-Za-z0-9._-] survives into Markdown.
import { table } from "../output/format.js";
import type { LoadTestResult } from "./run.js";
import { ms, pct } from "./stats.js";

const safe = (s: string) =>
  String(s)
    .replace(/[^A-Za-z0-9._-]/g, "?")
    .slice(0, 63);
/** a number from a record (a ledger record is a claim: anything else becomes 0, never text) */
const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

export function summaryLine(r: LoadTestResult): string {
  const verdict = r.passed ? "passed" : r.stopped ? "stopped" : "failed";
  const rate =
    r.mode === "capacity"
      ? `capacity ${n(r.capacity?.highestRateHeld)} req/s`
      : `${n(r.heldRate)} req/s held`;
  return `${verdict}: ${rate}, p95 ${ms(n(r.figures?.latency?.p95Ms))}, errors ${pct(n(r.figures?.errorRate))} (${n(r.figures?.requests)} requests)`;
}

function scaleText(r: LoadTestResult): string[] {
  if (!r.watch.argocd) return ["autoscaler: not watched (set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN)"];
  const lines = r.scaling.map((s) => {
    const up =
      s.timeToScaleOutMs !== undefined
        ? `scaled out after ${Math.round(n(s.timeToScaleOutMs) / 1000)}s`
        : "did not scale out";
    const max =
      s.hpaMaxReplicas !== undefined
        ? ` of maxReplicas ${n(s.hpaMaxReplicas)}${s.hitMax === true ? " — maxReplicas HIT" : ""}`
        : "";
    return `${safe(s.name)}: ${n(s.startReplicas)} → max ${n(s.maxReplicas)}${max}, ${up}, ${n(s.endReplicas)} at the end`;
  });
  if (r.watch.failedReads > 0)
    lines.push(
      `(${n(r.watch.failedReads)} of ${n(r.watch.reads) + n(r.watch.failedReads)} Argo CD reads failed: ${String(
        r.watch.lastError ?? "",
      )
        .replace(/[^\w .:/()=-]/g, "?")
        .slice(0, 160)})`,
    );
  return lines.length ? lines : ["autoscaler: no Rollouts or HPAs found in the application"];
}

export function renderReport(r: LoadTestResult): string {
  const head = `load test of ${r.environment} at ${r.url} — version ${r.version}, revision ${r.revision.slice(0, 7)} (${r.revisionFrom === "argocd" ? "Argo CD synced" : "HEAD, not verified by Argo CD"})`;
  const rows: string[][] = [
    [
      "rate",
      r.mode === "capacity"
        ? `from ${r.targetRate} req/s upward`
        : `${r.heldRate} of ${r.targetRate} req/s (constant arrival)`,
    ],
    [
      "requests",
      `${r.figures.requests} in ${(r.elapsedMs / 1000).toFixed(1)}s (${Object.entries(r.figures.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")})`,
    ],
    [
      "latency p50/p95/p99",
      `${ms(r.figures.latency.p50Ms)} / ${ms(r.figures.latency.p95Ms)} / ${ms(r.figures.latency.p99Ms)} (from intended send; SLO p95 < ${ms(r.slo.p95Ms)})`,
    ],
    [
      "service time p95/p99",
      `${ms(r.figures.serviceTime.p95Ms)} / ${ms(r.figures.serviceTime.p99Ms)} (from socket send; longest send delay ${ms(r.figures.maxSendDelayMs)})`,
    ],
    ["errors", `${pct(r.figures.errorRate)} (${r.figures.errors}; SLO < ${pct(r.slo.errorRate)})`],
  ];
  if (r.serverSide) {
    rows.push([
      "server side",
      r.serverSide.note && r.serverSide.errorRate === undefined && r.serverSide.p95Ms === undefined
        ? r.serverSide.note
        : `errors ${r.serverSide.errorRate !== undefined ? pct(r.serverSide.errorRate) : "-"}, p95 ${r.serverSide.p95Ms !== undefined ? ms(r.serverSide.p95Ms) : "-"} (Prometheus)`,
    ]);
  }
  if (r.capacity) {
    rows.push([
      "capacity",
      `${r.capacity.highestRateHeld !== undefined ? `${r.capacity.highestRateHeld} req/s held` : "no step held"}${r.capacity.brokeAt !== undefined ? `; SLO broke at ${r.capacity.brokeAt} req/s: ${r.capacity.reason}` : "; no SLO broke up to maxRate"}`,
    ]);
  }
  for (const line of scaleText(r)) rows.push(["autoscaler", line.replace(/^autoscaler: /, "")]);
  const routes = table(
    ["ROUTE", "REQUESTS", "ERRORS", "P95"],
    r.routes.map((x) => [x.label, String(x.requests), String(x.errors), ms(x.p95Ms)]),
  );
  const verdict = r.passed
    ? `PASSED — ${summaryLine(r)}`
    : `NOT PASSED — ${[...r.breaches.map((b) => b.message), ...r.problems].join("; ") || summaryLine(r)}`;
  return `${head}\n${table(["", ""], rows).split("\n").slice(2).join("\n")}\n\n${routes}\n\n${verdict}`;
}

/** The promotion pull request's block: figures, and the replicas over time as a Mermaid chart. */
export function pullRequestMarkdown(r: LoadTestResult, ageText: string): string {
  const lines = [
    `Load test of ${r.environment} at \`${r.revision.slice(0, 7)}\` (${ageText}):`,
    "",
    "| rate held | p50 | p95 | p99 | errors | requests |",
    "| --- | --- | --- | --- | --- | --- |",
    `| ${n(r.heldRate)} req/s | ${ms(n(r.figures.latency.p50Ms))} | ${ms(n(r.figures.latency.p95Ms))} | ${ms(n(r.figures.latency.p99Ms))} | ${pct(n(r.figures.errorRate))} | ${n(r.figures.requests)} |`,
    "",
  ];
  for (const s of scaleText(r)) lines.push(`- ${s}`);
  const names = r.scaling.filter((s) => s.maxReplicas !== s.startReplicas).map((s) => s.name);
  const shown = (names.length ? names : r.scaling.map((s) => s.name)).slice(0, 4);
  if (r.replicaTimeline.length >= 2 && shown.length > 0) {
    const top = Math.max(...r.scaling.map((s) => Math.max(n(s.maxReplicas), n(s.hpaMaxReplicas))), 1);
    lines.push(
      "",
      "```mermaid",
      "xychart-beta",
      `  title "Replicas during the load test (${shown.map(safe).join(", ")})"`,
      `  x-axis "seconds" [${r.replicaTimeline.map((p) => Math.round(n(p.atS))).join(", ")}]`,
      `  y-axis "replicas" 0 --> ${top}`,
      ...shown.map((name) => `  line [${r.replicaTimeline.map((p) => n(p.replicas?.[name])).join(", ")}]`),
      "```",
    );
  }
  return lines.join("\n");
}
