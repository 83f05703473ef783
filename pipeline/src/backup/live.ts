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

/**
 * The object a backup Job wrote: the backup container's termination message when a pod still shows
 * it, else the Job's object annotation with "{job}" replaced by the Job name.
 */
export function backupObjectName(job: LiveJob, pods: readonly LivePod[] = []): string | undefined {
  for (const pod of pods) {
    const message = podTerminationMessage(pod);
    if (message) return message.split("\n").pop()?.trim();
  }
  const annotations = { ...job.spec?.template?.metadata?.annotations, ...job.metadata?.annotations };
  const template = annotations[OBJECT_ANNOTATION];
  if (template && job.metadata?.name) return template.replaceAll("{job}", job.metadata.name);
  return undefined;
}
