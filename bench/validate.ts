// bench/validate: the time of `ngx-release validate` beside the time of the bare kustomize renders of
// the same overlays (ratio), and peak memory, measured in one run on this repository's environments
// and on a generated repository of 60 services × 3 environments.
// Run: npx tsx bench/validate.ts   (builds dist/cli.js first if it is missing)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { table } from "../pipeline/src/output/format.js";
import {
  bareRenders,
  CLI,
  ensureBuilt,
  goalLine,
  median,
  ROOT,
  type Run,
  rendersOf,
  timed,
} from "./lib/paired.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ratios: number[] = [];

async function measure(label: string, root: string): Promise<string[]> {
  // the trees validate renders: every overlay, the root kustomization, the sources Applications add
  const trees = await rendersOf(["validate"], root);
  const validate: Run[] = [];
  const bare: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    // alternate so both see the same machine load
    bare.push(await bareRenders(trees));
    validate.push(await timed(process.execPath, [CLI, "validate", "--repo", root]));
  }
  const v = median(validate.map((r) => r.ms));
  const b = median(bare.map((r) => r.ms));
  const vc = median(validate.map((r) => r.cpuS));
  const bc = median(bare.map((r) => r.cpuS));
  ratios.push(median(bare.map((r, i) => (validate[i]?.ms ?? 0) / r.ms)));
  return [
    label,
    String(trees.length),
    `${Math.round(b)} ms`,
    `${Math.round(v)} ms`,
    `${(v / b).toFixed(2)}×`,
    `${bc.toFixed(2)} s`,
    `${vc.toFixed(2)} s`,
    `${(vc / bc).toFixed(2)}×`,
    `${Math.max(...validate.map((r) => r.peakMiB)).toFixed(0)} MiB`,
    `${Math.max(...bare.map((r) => r.peakMiB)).toFixed(0)} MiB`,
    validate.map((r) => r.code).join(","),
  ];
}

const H = (n: number) => n.toString(16).padStart(64, "0");

/** A repository of `services` Rollouts (Service, canary Service, HPA, PDB, ServiceMonitor, ConfigMap each) × dev/staging/production. */
function generate(dir: string, services: number): void {
  const names = Array.from({ length: services }, (_, i) => `svc-${String(i + 1).padStart(2, "0")}`);
  const w = (path: string, text: string) => {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  w(
    "environments/promotion.yaml",
    `argocdUrl: https://argocd.example.com
environments:
  - {name: dev, argocdApplication: gen-dev, namespace: gen}
  - {name: staging, argocdApplication: gen-staging, namespace: gen, requireDigests: true}
  - {name: production, argocdApplication: gen-production, namespace: gen, requireDigests: true}
`,
  );
  w(
    "environments/base/analysis/cluster-analysis-template.yaml",
    `apiVersion: argoproj.io/v1alpha1
kind: ClusterAnalysisTemplate
metadata: {name: error-rate}
spec:
  args: [{name: service}, {name: canary-hash}]
  metrics:
    - name: error-rate
      interval: 1m
      successCondition: len(result) == 0 || result[0] < 0.01
      provider:
        prometheus:
          address: http://prometheus:9090
          query: sum(rate(http_requests_total{app="{{args.service}}",rollouts_pod_template_hash="{{args.canary-hash}}",status=~"5.."}[5m])) / sum(rate(http_requests_total{app="{{args.service}}",rollouts_pod_template_hash="{{args.canary-hash}}"}[5m]))
`,
  );
  w("environments/base/analysis/kustomization.yaml", "resources: [cluster-analysis-template.yaml]\n");
  for (const n of names) {
    w(
      `environments/base/${n}/kustomization.yaml`,
      "resources: [rollout.yaml, service.yaml, hpa.yaml, pdb.yaml, servicemonitor.yaml, configmap.yaml]\n",
    );
    w(
      `environments/base/${n}/rollout.yaml`,
      `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ${n}, labels: {app: ${n}}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${n}}}
  template:
    metadata: {labels: {app: ${n}}}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: ${n}
          image: gen/${n}
          ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]
          envFrom: [{configMapRef: {name: ${n}-config}}]
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          readinessProbe: {httpGet: {path: /ready, port: http}}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
  strategy:
    canary:
      canaryService: ${n}-canary
      analysis:
        templates: [{templateName: error-rate, clusterScope: true}]
        args:
          - {name: service, value: ${n}}
          - {name: canary-hash, valueFrom: {podTemplateHashValue: Latest}}
      steps: [{setWeight: 20}, {pause: {duration: 30m}}, {setWeight: 50}, {pause: {duration: 1h}}]
`,
    );
    w(
      `environments/base/${n}/service.yaml`,
      `apiVersion: v1
kind: Service
metadata: {name: ${n}, labels: {app: ${n}}}
spec:
  selector: {app: ${n}}
  ports: [{name: http, port: 80, targetPort: http}, {name: metrics, port: 9090, targetPort: metrics}]
---
apiVersion: v1
kind: Service
metadata: {name: ${n}-canary, labels: {app: ${n}}}
spec:
  selector: {app: ${n}}
  ports: [{name: http, port: 80, targetPort: http}]
`,
    );
    w(
      `environments/base/${n}/hpa.yaml`,
      `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ${n}}
spec:
  scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: ${n}}
  minReplicas: 2
  maxReplicas: 6
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
`,
    );
    w(
      `environments/base/${n}/pdb.yaml`,
      `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${n}}
spec: {minAvailable: 1, selector: {matchLabels: {app: ${n}}}}
`,
    );
    w(
      `environments/base/${n}/servicemonitor.yaml`,
      `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: ${n}}
spec:
  selector: {matchLabels: {app: ${n}}}
  endpoints: [{port: metrics, path: /metrics, interval: 30s}]
`,
    );
    w(
      `environments/base/${n}/configmap.yaml`,
      `apiVersion: v1
kind: ConfigMap
metadata: {name: ${n}-config}
data: {LOG_LEVEL: info}
`,
    );
  }
  w(
    "environments/base/kustomization.yaml",
    `resources:\n${["analysis", ...names].map((n) => `  - ${n}`).join("\n")}\n`,
  );
  ["dev", "staging", "production"].forEach((env, e) => {
    const images = names
      .map(
        (n, i) =>
          `  - name: gen/${n}\n    newName: registry.example.com/gen/${n}\n    ${env === "dev" ? `newTag: "1.${i}.0"` : `digest: sha256:${H(i * 3 + e + 1)}`}`,
      )
      .join("\n");
    w(`environments/${env}/kustomization.yaml`, `namespace: gen\nresources: [../base]\nimages:\n${images}\n`);
  });
}

ensureBuilt();
const generated = mkdtempSync(join(tmpdir(), "ngx-bench-validate-"));
try {
  generate(generated, 60);
  // one untimed run so both sides start warm (kubectl in the page cache, compiled schemas cached)
  await timed(process.execPath, [CLI, "validate", "--repo", generated]);
  const rows = [
    await measure("this repository", ROOT),
    await measure("generated 60 services × 3 envs", generated),
  ];
  console.log(
    table(
      [
        "REPOSITORY",
        "TREES",
        "KUSTOMIZE WALL",
        "VALIDATE WALL",
        "RATIO",
        "KUSTOMIZE CPU",
        "VALIDATE CPU",
        "CPU RATIO",
        "VALIDATE PEAK RSS",
        "KUSTOMIZE PEAK RSS",
        "EXIT CODES",
      ],
      rows,
    ),
  );
  console.log(
    `\n${goalLine("validate vs its renders (this repository)", `${(ratios[0] ?? 0).toFixed(2)}×`, "≤ 2.0×", (ratios[0] ?? 9) <= 2)}`,
  );
  console.log(
    `\nmedian of ${RUNS} runs each, alternating; the bare renders are the trees validate renders, concurrently; CPU = user+sys including children (validate's own kustomize runs included); peak RSS from /usr/bin/time -v (largest single process)`,
  );
} finally {
  rmSync(generated, { recursive: true, force: true });
}
