// The registry allowlist (allowedRegistries in environments/promotion.yaml): an image may come only
// from a listed registry host and repository path prefix. Pure; release, promote and validate call it,
// and the cluster enforces the same list with a ValidatingAdmissionPolicy
// (environments/base/admission/). Kept apart from the reference parser in images.ts on purpose.
//
// Matching is on the reference as written, like the admission policy's CEL: the host (everything
// before the first "/") must equal the entry's host exactly — so us-central1-docker.pkg.dev.evil.example
// is not us-central1-docker.pkg.dev — and the repository path must equal the entry's path or continue
// it after a "/" (ngx-agents/ngx allows ngx-agents/ngx/orchestrator, not ngx-agents/ngxevil).
// A reference without a registry host ("redis:7", "otel/collector") is never allowed: containerd
// would resolve it to docker.io (distribution/reference normalize.go, splitDockerDomain), which the
// text does not show; write it fully qualified (docker.io/library/redis:7).
import { InputError } from "../errors.js";

export interface RegistryPath {
  /** the registry host (with port), as written: compared exactly, like the admission policy does */
  readonly host: string;
  /** the repository path below the host, without tag or digest ("" for a bare host entry) */
  readonly path: string;
}

/** Host and repository of an image reference; undefined when it names no registry host. */
export function registryPathOf(image: string): RegistryPath | undefined {
  const ref = image.trim();
  const slash = ref.indexOf("/");
  if (slash <= 0) return undefined;
  const host = ref.slice(0, slash);
  // distribution/reference: the first component is a registry only with a "." or ":" or as localhost
  if (!(host.includes(".") || host.includes(":") || host === "localhost")) return undefined;
  let repo = ref.slice(slash + 1);
  const at = repo.indexOf("@");
  if (at >= 0) repo = repo.slice(0, at);
  const colon = repo.lastIndexOf(":");
  if (colon > repo.lastIndexOf("/")) repo = repo.slice(0, colon);
  return { host, path: repo };
}

function entryOf(entry: string): RegistryPath {
  const slash = entry.indexOf("/");
  return slash < 0
    ? { host: entry, path: "" }
    : { host: entry.slice(0, slash), path: entry.slice(slash + 1) };
}

/** The allowlist entry an image matches, or undefined. */
export function allowedBy(image: string, allowed: readonly string[]): string | undefined {
  const ref = registryPathOf(image);
  if (!ref) return undefined;
  return allowed.find((entry) => {
    const e = entryOf(entry);
    if (e.host !== ref.host) return false;
    return e.path === "" || ref.path === e.path || ref.path.startsWith(`${e.path}/`);
  });
}

/** Why an image is refused, or undefined when allowed. */
export function registryProblem(image: string, allowed: readonly string[]): string | undefined {
  if (allowedBy(image, allowed)) return undefined;
  const ref = registryPathOf(image);
  if (!ref)
    return `image "${image}" names no registry host (write it fully qualified, e.g. docker.io/library/${image})`;
  return `registry ${ref.host}/${ref.path} of image "${image}" is not in allowedRegistries (${allowed.join(", ")})`;
}

/** One image to check: its component (for messages) and reference. */
export interface NamedImage {
  readonly component: string;
  readonly image: string;
}

/**
 * Refuses (InputError, exit 2) when any image comes from a registry not in the allowlist. No allowlist
 * configured (undefined) allows everything.
 */
export function assertAllowedRegistries(
  allowed: readonly string[] | undefined,
  images: readonly NamedImage[],
  source: string,
): void {
  if (allowed === undefined) return;
  const refused = images
    .map((i) => ({ ...i, problem: registryProblem(i.image, allowed) }))
    .filter((i) => i.problem !== undefined);
  if (refused.length === 0) return;
  throw new InputError(
    `refusing ${source}: ${refused.map((r) => `${r.component}: ${r.problem}`).join("; ")}`,
    {
      hint: "images may come only from the registries listed in allowedRegistries of environments/promotion.yaml (a change there is reviewed by CODEOWNERS)",
    },
  );
}
