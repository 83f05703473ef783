// Reading a backup CronJob and its Jobs through Argo CD (no cluster credentials): the CronJob is a
// managed resource of the environment's Application; the Jobs it (or the create-job action) made
// are its children in the application's resource tree, and their Pods are the Jobs' children.
import type { ArgoCd, ResourceNode, ResourceRef } from "../adapters/argocd-types.js";
import { CONFIG_PATH } from "../config/load.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { ConfigError } from "../errors.js";
import { type LiveJob, type LivePod, podTerminationMessage } from "./job.js";

/** The Argo CD operations backups use (a subset of the adapter). */
export type BackupArgoCd = Pick<ArgoCd, "getResource" | "resourceTree" | "runResourceAction">;

export interface BackupSettings {
  readonly app: string;
  readonly namespace: string;
  readonly cronJob: string;
}

/** The environment's backup settings; ConfigError when it has none. */
export function backupConfigOf(env: EnvironmentConfig): NonNullable<EnvironmentConfig["backup"]> {
  if (!env.backup) {
    throw new ConfigError(
      `environment "${env.name}" has no backup configuration (${CONFIG_PATH}: environments[name=${env.name}].backup is not set)`,
      {
        file: CONFIG_PATH,
        field: "backup",
        hint: "add backup: {cronJob: db-backup, rpo: 24h} to the environment in environments/promotion.yaml, and the database-backup Component to its overlay",
      },
    );
  }
  return env.backup;
}

export function cronJobRef(s: BackupSettings): ResourceRef {
  return { group: "batch", version: "v1", kind: "CronJob", namespace: s.namespace, name: s.cronJob };
}

export function jobRef(namespace: string, name: string): ResourceRef {
  return { group: "batch", version: "v1", kind: "Job", namespace, name };
}

const isChildOf = (n: ResourceNode, kind: string, name: string) =>
  n.parentRefs.some((p) => p.kind === kind && p.name === name);

/** Jobs the resource tree shows under the CronJob. */
export function childJobs(nodes: readonly ResourceNode[], s: BackupSettings): ResourceNode[] {
  return nodes.filter(
    (n) =>
      n.kind === "Job" &&
      n.group === "batch" &&
      n.namespace === s.namespace &&
      isChildOf(n, "CronJob", s.cronJob),
  );
}

/** Pods the resource tree shows under a Job. */
export function childPods(nodes: readonly ResourceNode[], namespace: string, job: string): ResourceNode[] {
  return nodes.filter(
    (n) => n.kind === "Pod" && n.group === "" && n.namespace === namespace && isChildOf(n, "Job", job),
  );
}

export async function readPods(
  argocd: Pick<BackupArgoCd, "getResource">,
  app: string,
  pods: readonly ResourceNode[],
): Promise<LivePod[]> {
  const out: LivePod[] = [];
  for (const p of pods) {
    try {
      out.push((await argocd.getResource(app, { ...p, version: p.version || "v1" })) as LivePod);
    } catch {
      // a pod can disappear between the tree and the read; it is only extra detail
    }
  }
  return out;
}

/** Annotation on the Job (copied from the CronJob's jobTemplate) naming the export object; "{job}" is replaced. */
export const OBJECT_ANNOTATION = "backup.ngx-agents.io/object";

/** The container of the database-backup Component that runs pg_dump and names the object. */
export const DUMP_CONTAINER = "pg-dump";

/** The bucket the database-backup Component writes to (ConfigMap BACKUP_BUCKET): ngx-agents-backups-<env>. */
export function defaultBucket(env: string): string {
  return `ngx-agents-backups-${env}`;
}

/**
 * The object name convention of environments/components/database-backup:
 * gs://<bucket>/ngx_agents/<YYYY-MM-DD>/ngx_agents-<YYYYMMDDTHHMMSSZ>.dump, UTC time the dump started.
 */
export function conventionalObjectName(bucket: string, dumpStartedAt: string): string | undefined {
  const t = new Date(dumpStartedAt);
  if (Number.isNaN(t.getTime())) return undefined;
  const iso = t.toISOString(); // 2026-11-26T01:00:00.000Z
  const day = iso.slice(0, 10);
  const stamp = `${iso.slice(0, 19).replaceAll("-", "").replaceAll(":", "")}Z`;
  return `gs://${bucket}/ngx_agents/${day}/ngx_agents-${stamp}.dump`;
}

/**
 * The object a backup Job wrote, best source first: a termination message of the Job's pod (exact,
 * when the container writes one), the Job's object annotation with "{job}" replaced, or the
 * Component's naming convention from the start time of the pod's pg-dump container.
 */
export function backupObjectName(
  job: LiveJob,
  pods: readonly LivePod[] = [],
  options: { bucket?: string } = {},
): string | undefined {
  for (const pod of pods) {
    const message = podTerminationMessage(pod);
    const line = message
      ?.split("\n")
      .map((l) => l.trim())
      .find((l) => l.startsWith("gs://"));
    if (line) return line.replace(/^.*?(gs:\/\/\S+).*$/, "$1");
  }
  const annotations = { ...job.spec?.template?.metadata?.annotations, ...job.metadata?.annotations };
  const template = annotations[OBJECT_ANNOTATION];
  if (template && job.metadata?.name) return template.replaceAll("{job}", job.metadata.name);
  if (options.bucket) {
    for (const pod of pods) {
      const dump = pod.status?.initContainerStatuses?.find((c) => c.name === DUMP_CONTAINER);
      const startedAt = dump?.state?.terminated?.startedAt;
      if (dump?.state?.terminated?.exitCode === 0 && startedAt)
        return conventionalObjectName(options.bucket, startedAt);
    }
  }
  return undefined;
}
