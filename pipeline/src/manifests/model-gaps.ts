// Fields the upstream CRDs declare but the validators generated in the @kubernetes-models/* packages
// (base 5) never read: an optional property named `description` is missing from them (measured: the
// argo-cd 2.7.2 AppProject validator and the gke 4.6.2 Config Connector validators ignore it, while
// their .d.ts files declare it), so the strict unknown-field check would refuse valid manifests.
// Each entry is `type: string` in the upstream CRD named beside it; schema.ts accepts these fields
// and checks only that they are strings.

const CNRM = "GoogleCloudPlatform/k8s-config-connector@cdb85ecf1708 config/crds/resources";

/** kind → JSON pointer patterns ("*" = any list index) → where upstream declares the field */
const GAPS: Record<string, Record<string, string>> = {
  AppProject: {
    "/spec/description": "argoproj/argo-cd@37ee0097cf85 manifests/crds/appproject-crd.yaml",
    "/spec/roles/*/description": "argoproj/argo-cd@37ee0097cf85 manifests/crds/appproject-crd.yaml",
    "/spec/syncWindows/*/description": "argoproj/argo-cd@37ee0097cf85 manifests/crds/appproject-crd.yaml",
  },
  IAMServiceAccount: { "/spec/description": CNRM },
  IAMPolicyMember: { "/spec/condition/description": CNRM },
  IAMWorkloadIdentityPool: { "/spec/description": CNRM },
  IAMWorkloadIdentityPoolProvider: { "/spec/description": CNRM },
  ArtifactRegistryRepository: {
    "/spec/description": CNRM,
    "/spec/remoteRepositoryConfig/description": CNRM,
  },
};

/** True when `pointer` is a string field upstream declares that the model package's validator drops. */
export function isModelGap(kind: string, pointer: string): boolean {
  const patterns = GAPS[kind];
  if (!patterns) return false;
  const parts = pointer.split("/");
  return Object.keys(patterns).some((p) => {
    const want = p.split("/");
    return (
      want.length === parts.length &&
      want.every((w, i) => w === parts[i] || (w === "*" && /^\d+$/.test(parts[i] ?? "")))
    );
  });
}

/** The value at a JSON pointer ("/spec/roles/0/description"), or undefined. */
export function valueAtPointer(root: unknown, pointer: string): unknown {
  let v = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}
