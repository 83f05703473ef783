// kustomize's failure, said for people: kubectl's klog prefix ("E1207 10:00:02.631669 16150
// run.go:72] \"command failed\" err=") dropped, and the absolute paths of the checkout (or of a
// temporary snapshot of another revision) written relative to the repository.
import { InputError, isNgxError } from "../errors.js";

/** Drops kubectl's klog prefix from a render error and folds its lines into one. */
export function cleanKustomizeMessage(message: string): string {
  return message
    .replace(/[EWI]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] "command failed" err=/, "")
    .replace(/\s+/g, " ");
}

/** `message` with `root` (an absolute checkout or snapshot folder) made relative: "environments/dev/…" */
export function relativeToRoot(message: string, root: string): string {
  const base = root.replace(/\/+$/, "");
  return message.split(`${base}/`).join("").split(base).join(".");
}

/**
 * A render failure (the adapter's InputError) as people should read it; `side` says which tree
 * failed when two are rendered ("base (HEAD)", "head (working tree)"). Other errors pass unchanged.
 */
export function renderFailure(e: unknown, root: string, env: string, side?: string): unknown {
  if (!(e instanceof InputError) || !isNgxError(e)) return e;
  const message = relativeToRoot(cleanKustomizeMessage(e.message), root);
  return new InputError(side ? `${side}: ${message}` : message, {
    cause: e,
    hint: `kubectl kustomize environments/${env} shows kustomize's own output${side && !side.includes("working tree") ? " (check out that revision first)" : ""}`,
  });
}
