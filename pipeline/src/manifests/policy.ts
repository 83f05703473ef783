// Policy checks on rendered objects: resources, probes, the Pod Security Standards "restricted"
// profile (https://kubernetes.io/docs/concepts/security/pod-security-standards/), image pinning and
// plain Secrets in Git.
import { type Finding, type FindingSite, fieldPath, finding } from "./findings.js";
import { type K8sObject, objectRef } from "./render.js";
import { containers, get, isObj, type Json, list, podTemplate } from "./workloads.js";

export interface PolicyOptions {
  /** the environment must pin images by sha256 digest (promotion.yaml requireDigests) */
  readonly requireDigests: boolean;
}

const BASELINE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const RESTRICTED_VOLUMES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];
const SELINUX_TYPES = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
]);
const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** All policy findings for one object. */
export function checkPolicy(env: string, o: K8sObject, options: PolicyOptions): Finding[] {
  const site: FindingSite = { env, object: objectRef(o) };
  const out: Finding[] = [];
  if (o.kind === "Secret" && o.apiVersion === "v1") out.push(...plainSecret(site, o));
  const t = podTemplate(o);
  if (!t) return out;
  const pod = t.spec;
  const p = (...rest: (string | number)[]) => fieldPath([...t.specPath, ...rest]);
  const add = (path: string, rule: string, message: string, hint: string) =>
    out.push(finding(site, path, rule, message, hint));

  // --- Pod Security: baseline host namespaces, volumes, sysctls, pod-level contexts
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (pod[field] === true)
      add(
        p(field),
        "policy/pod-security",
        `${field} is true`,
        `remove ${field} (restricted profile forbids host namespaces)`,
      );
  }
  if (get(pod, "securityContext", "windowsOptions", "hostProcess") === true)
    add(
      p("securityContext", "windowsOptions", "hostProcess"),
      "policy/pod-security",
      "hostProcess is true",
      "remove windowsOptions.hostProcess",
    );
  list(pod.volumes).forEach((v, i) => {
    if (!isObj(v)) return;
    const type = Object.keys(v).find((k) => k !== "name");
    if (type && !RESTRICTED_VOLUMES.includes(type)) {
      add(
        p("volumes", i, type),
        "policy/pod-security",
        `volume "${String(v.name)}" has type ${type}${type === "hostPath" ? " (host filesystem)" : ""}`,
        `use one of ${RESTRICTED_VOLUMES.join(", ")}`,
      );
    }
  });
  list(get(pod, "securityContext", "sysctls")).forEach((s, i) => {
    const name = String(get(s, "name"));
    if (!BASELINE_SYSCTLS.has(name))
      add(
        p("securityContext", "sysctls", i, "name"),
        "policy/pod-security",
        `unsafe sysctl ${name}`,
        "remove it; only the namespaced safe sysctls are allowed",
      );
  });
  const podSc = isObj(pod.securityContext) ? pod.securityContext : {};
  const podSeccomp = get(podSc, "seccompProfile", "type");
  const podNonRoot = podSc.runAsNonRoot;
  if (podSc.runAsUser === 0)
    add(
      p("securityContext", "runAsUser"),
      "policy/pod-security",
      "runAsUser is 0 (root)",
      "run as a non-zero UID",
    );
  if (podNonRoot === false)
    add(
      p("securityContext", "runAsNonRoot"),
      "policy/pod-security",
      "runAsNonRoot is false",
      "set runAsNonRoot: true",
    );
  if (podSeccomp !== undefined && podSeccomp !== "RuntimeDefault" && podSeccomp !== "Localhost")
    add(
      p("securityContext", "seccompProfile", "type"),
      "policy/pod-security",
      `seccompProfile ${String(podSeccomp)}`,
      "use seccompProfile.type RuntimeDefault (or Localhost)",
    );
  seLinux(podSc, p("securityContext", "seLinuxOptions"), add);
  appArmor(podSc, p("securityContext", "appArmorProfile"), add);
  const annotations = (
    t.object.kind === "Pod"
      ? o.metadata?.annotations
      : get(o, ...t.specPath.slice(0, -1), "metadata", "annotations")
  ) as Record<string, string> | undefined;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    if (
      k.startsWith("container.apparmor.security.beta.kubernetes.io/") &&
      v !== "runtime/default" &&
      !v.startsWith("localhost/")
    )
      add(
        p(),
        "policy/pod-security",
        `AppArmor annotation ${k}: ${v}`,
        "use runtime/default or localhost/<profile>",
      );
  }

  for (const c of containers(t)) {
    const name = String(c.container.name);
    const cp = (...rest: (string | number)[]) => fieldPath([...c.path, ...rest]);
    const sc: Json = isObj(c.container.securityContext) ? c.container.securityContext : {};
    const what = `${c.field === "containers" ? "container" : c.field.replace(/s$/, "")} "${name}"`;

    // --- image
    const image = typeof c.container.image === "string" ? c.container.image : "";
    const digested = DIGEST.test(image);
    const lastSegment = image.split("@")[0]?.split("/").pop() ?? "";
    const tag = lastSegment.includes(":") ? lastSegment.split(":").pop() : undefined;
    if (!digested && (tag === undefined || tag === "latest")) {
      add(
        cp("image"),
        "policy/image-tag",
        `${what} image "${image}" ${tag === "latest" ? "uses the :latest tag" : "has no tag"}`,
        "pin a version: set newTag (or digest) for it in the overlay's images: block",
      );
    } else if (options.requireDigests && !digested) {
      add(
        cp("image"),
        "policy/image-digest",
        `${what} image "${image}" is not pinned by digest`,
        "this environment requires digests (promotion.yaml requireDigests): set digest: sha256:… in the overlay's images: block",
      );
    }

    // --- resources (ephemeral containers cannot have them)
    if (c.field !== "ephemeralContainers") {
      const missing: string[] = [];
      for (const kind of ["requests", "limits"])
        for (const r of ["cpu", "memory"])
          if (get(c.container, "resources", kind, r) === undefined) missing.push(`${kind}.${r}`);
      if (missing.length > 0)
        add(
          cp("resources"),
          "policy/resources",
          `${what} has no ${missing.join(", ")}`,
          "set resources.requests and resources.limits for cpu and memory",
        );
    }

    // --- probes on long-running main containers (native sidecars count as long-running too)
    const sidecar = c.field === "initContainers" && c.container.restartPolicy === "Always";
    if (t.longRunning && (c.field === "containers" || sidecar)) {
      for (const probe of ["livenessProbe", "readinessProbe"]) {
        if (sidecar && probe === "readinessProbe") continue;
        if (!isObj(c.container[probe]))
          add(
            cp(probe),
            "policy/probes",
            `${what} has no ${probe}`,
            `add a ${probe} (httpGet on the health endpoint, or tcpSocket/exec)`,
          );
      }
    }

    // --- Pod Security, per container
    if (sc.privileged === true)
      add(
        cp("securityContext", "privileged"),
        "policy/pod-security",
        `${what} is privileged`,
        "remove privileged: true",
      );
    if (sc.allowPrivilegeEscalation !== false)
      add(
        cp("securityContext", "allowPrivilegeEscalation"),
        "policy/pod-security",
        `${what} does not set allowPrivilegeEscalation: false`,
        "set securityContext.allowPrivilegeEscalation: false",
      );
    const nonRoot = sc.runAsNonRoot ?? podNonRoot;
    if (sc.runAsNonRoot === false || nonRoot !== true)
      add(
        cp("securityContext", "runAsNonRoot"),
        "policy/pod-security",
        `${what} may run as root (runAsNonRoot is not true)`,
        "set runAsNonRoot: true on the pod or container securityContext",
      );
    if (sc.runAsUser === 0)
      add(
        cp("securityContext", "runAsUser"),
        "policy/pod-security",
        `${what} runs as UID 0`,
        "run as a non-zero UID",
      );
    const seccomp = get(sc, "seccompProfile", "type") ?? podSeccomp;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      add(
        cp("securityContext", "seccompProfile"),
        "policy/pod-security",
        `${what} has no seccompProfile RuntimeDefault/Localhost`,
        "set securityContext.seccompProfile.type: RuntimeDefault on the pod",
      );
    const drop = list(get(sc, "capabilities", "drop")).map(String);
    if (!drop.includes("ALL"))
      add(
        cp("securityContext", "capabilities", "drop"),
        "policy/pod-security",
        `${what} does not drop ALL capabilities`,
        "set securityContext.capabilities.drop: [ALL]",
      );
    list(get(sc, "capabilities", "add")).forEach((cap, i) => {
      if (cap !== "NET_BIND_SERVICE")
        add(
          cp("securityContext", "capabilities", "add", i),
          "policy/pod-security",
          `${what} adds capability ${String(cap)}`,
          "only NET_BIND_SERVICE may be added",
        );
    });
    if (sc.procMount !== undefined && sc.procMount !== "Default")
      add(
        cp("securityContext", "procMount"),
        "policy/pod-security",
        `${what} sets procMount ${String(sc.procMount)}`,
        "remove procMount (Default)",
      );
    if (get(sc, "windowsOptions", "hostProcess") === true)
      add(
        cp("securityContext", "windowsOptions", "hostProcess"),
        "policy/pod-security",
        `${what} is a hostProcess container`,
        "remove windowsOptions.hostProcess",
      );
    seLinux(sc, cp("securityContext", "seLinuxOptions"), add);
    appArmor(sc, cp("securityContext", "appArmorProfile"), add);
    list(c.container.ports).forEach((port, i) => {
      const hostPort = get(port, "hostPort");
      if (hostPort !== undefined && hostPort !== 0)
        add(
          cp("ports", i, "hostPort"),
          "policy/pod-security",
          `${what} uses hostPort ${String(hostPort)}`,
          "remove hostPort; expose the port through a Service",
        );
    });
  }
  return out;
}

type Add = (path: string, rule: string, message: string, hint: string) => void;

function seLinux(sc: Json, path: string, add: Add): void {
  const se = sc.seLinuxOptions;
  if (!isObj(se)) return;
  if (se.type !== undefined && !SELINUX_TYPES.has(String(se.type)))
    add(
      `${path}.type`,
      "policy/pod-security",
      `seLinuxOptions.type ${String(se.type)}`,
      "use container_t, container_init_t, container_kvm_t or container_engine_t",
    );
  for (const f of ["user", "role"])
    if (se[f] !== undefined && se[f] !== "")
      add(`${path}.${f}`, "policy/pod-security", `seLinuxOptions.${f} is set`, `remove seLinuxOptions.${f}`);
}

function appArmor(sc: Json, path: string, add: Add): void {
  const type = get(sc, "appArmorProfile", "type");
  if (type !== undefined && type !== "RuntimeDefault" && type !== "Localhost")
    add(
      `${path}.type`,
      "policy/pod-security",
      `appArmorProfile ${String(type)}`,
      "use RuntimeDefault or Localhost",
    );
}

function plainSecret(site: FindingSite, o: K8sObject): Finding[] {
  const out: Finding[] = [];
  for (const field of ["data", "stringData"]) {
    const v = o[field];
    if (isObj(v) && Object.keys(v).length > 0) {
      out.push(
        finding(
          site,
          field,
          "policy/secret-data",
          `Secret carries ${field} in Git (${Object.keys(v).join(", ")})`,
          "store the value in Secret Manager and render it with an ExternalSecret (target.name = this Secret's name)",
        ),
      );
    }
  }
  return out;
}
