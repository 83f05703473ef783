// A small repository for backup command tests: promotion.yaml, a base, the database-backup Component
// and overlays (dev without backups, staging and production with them, and "qa" whose config names a
// CronJob its overlay does not render), committed on main in a real git repository.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git, initRepo } from "../helpers/git.js";

export const PRODUCTION_PATCH = `# Production database backups: daily at 02:00 (RPO 24h, see docs/disaster-recovery.md).
apiVersion: batch/v1
kind: CronJob
metadata:
  name: db-backup # from environments/components/database-backup
spec:
  # keep this comfortably inside the RPO
  schedule: "0 2 * * *" # every day
  timeZone: Etc/UTC
`;

export const STAGING_PATCH = `# Staging backups: weekly, Sunday 03:00
- op: replace
  path: /spec/schedule
  value: "0 3 * * 0" # weekly
`;

export const files: Record<string, string> = {
  "environments/promotion.yaml": `argocdUrl: https://argocd.example.com
repository: ngx-agents/delivery
baseBranch: main
environments:
  - name: dev
    argocdApplication: ngx-agents-dev
    namespace: ngx-agents
  - name: qa
    argocdApplication: ngx-agents-qa
    namespace: ngx-agents
    backup:
      cronJob: db-backup
  - name: staging
    argocdApplication: ngx-agents-staging
    namespace: ngx-agents
    backup:
      cronJob: db-backup
      rpo: 7d
  - name: production
    argocdApplication: ngx-agents-production
    namespace: ngx-agents
    backup:
      cronJob: db-backup
      rpo: 24h
      timeout: 30m
`,
  "environments/base/kustomization.yaml": "resources:\n  - configmap.yaml\n",
  "environments/base/configmap.yaml":
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ngx-settings\ndata:\n  LOG_LEVEL: info\n",
  "environments/components/database-backup/kustomization.yaml":
    "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - cronjob.yaml\n",
  "environments/components/database-backup/cronjob.yaml": `apiVersion: batch/v1
kind: CronJob
metadata:
  name: db-backup
spec:
  schedule: "0 2 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    metadata:
      annotations:
        backup.ngx-agents.io/object: gs://ngx-agents-backups/ngx_agents/{job}.dump
    spec:
      backoffLimit: 1
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: backup
              image: postgres:15
              command: ["pg_dump", "--format=custom", "ngx_agents"]
`,
  "environments/dev/kustomization.yaml": "resources:\n  - ../base\nnamespace: ngx-agents\n",
  "environments/qa/kustomization.yaml": "resources:\n  - ../base\nnamespace: ngx-agents\n",
  "environments/staging/kustomization.yaml":
    "resources:\n  - ../base\nnamespace: ngx-agents\ncomponents:\n  - ../components/database-backup\npatches:\n  - path: backup-schedule.patch.yaml\n    target:\n      kind: CronJob\n      name: db-backup\n",
  "environments/staging/backup-schedule.patch.yaml": STAGING_PATCH,
  "environments/production/kustomization.yaml":
    "resources:\n  - ../base\nnamespace: ngx-agents\ncomponents:\n  - ../components/database-backup\npatches:\n  - path: backup-schedule.patch.yaml\n",
  "environments/production/backup-schedule.patch.yaml": PRODUCTION_PATCH,
};

export { git };

/** a committed fixture repository; returns its root */
export function backupRepo(): string {
  const root = mkdtempSync(join(tmpdir(), "ngx-backup-repo-"));
  initRepo(root, files);
  return root;
}
