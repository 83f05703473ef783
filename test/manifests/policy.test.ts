import { describe, expect, it } from "vitest";
import { checkPolicy } from "../../pipeline/src/manifests/policy.js";
import { deployment } from "./helpers.js";

const strict = { requireDigests: true };
const loose = { requireDigests: false };
const found = (o: Parameters<typeof checkPolicy>[1], opts = strict) =>
  checkPolicy("prod", o, opts).map((f) => `${f.rule} ${f.path}: ${f.message}`);
const C = "spec.template.spec.containers[0]";

describe("checkPolicy", () => {
  it("passes a restricted, pinned, probed Deployment", () => {
    expect(found(deployment())).toEqual([]);
  });

  it("requires requests and limits for cpu and memory", () => {
    const d = deployment();
    d.spec.template.spec.containers[0].resources = { requests: { cpu: "1" } };
    expect(found(d)).toEqual([
      `policy/resources ${C}.resources: container "web" has no requests.memory, limits.cpu, limits.memory`,
    ]);
  });

  it("requires liveness and readiness probes on long-running containers only", () => {
    const d = deployment();
    const c = d.spec.template.spec.containers[0];
    delete c.livenessProbe;
    delete c.readinessProbe;
    d.spec.template.spec.initContainers = [{ ...structuredClone(c), name: "migrate" }];
    expect(found(d)).toEqual([
      `policy/probes ${C}.livenessProbe: container "web" has no livenessProbe`,
      `policy/probes ${C}.readinessProbe: container "web" has no readinessProbe`,
    ]);
    const job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "once" },
      spec: { template: d.spec.template },
    };
    expect(found(job)).toEqual([]);
  });

  it("enforces the restricted Pod Security profile", () => {
    const d = deployment();
    const spec = d.spec.template.spec;
    spec.hostNetwork = true;
    spec.volumes = [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }];
    spec.securityContext = { runAsUser: 0 };
    const c = spec.containers[0];
    c.securityContext = { privileged: true, capabilities: { add: ["SYS_ADMIN"] } };
    c.ports = [{ containerPort: 8080, hostPort: 8080 }];
    const out = found(d);
    for (const expected of [
      "policy/pod-security spec.template.spec.hostNetwork: hostNetwork is true",
      'policy/pod-security spec.template.spec.volumes[0].hostPath: volume "docker" has type hostPath (host filesystem)',
      "policy/pod-security spec.template.spec.securityContext.runAsUser: runAsUser is 0 (root)",
      `policy/pod-security ${C}.securityContext.privileged: container "web" is privileged`,
      `policy/pod-security ${C}.securityContext.allowPrivilegeEscalation: container "web" does not set allowPrivilegeEscalation: false`,
      `policy/pod-security ${C}.securityContext.runAsNonRoot: container "web" may run as root (runAsNonRoot is not true)`,
      `policy/pod-security ${C}.securityContext.seccompProfile: container "web" has no seccompProfile RuntimeDefault/Localhost`,
      `policy/pod-security ${C}.securityContext.capabilities.drop: container "web" does not drop ALL capabilities`,
      `policy/pod-security ${C}.securityContext.capabilities.add[0]: container "web" adds capability SYS_ADMIN`,
      `policy/pod-security ${C}.ports[0].hostPort: container "web" uses hostPort 8080`,
    ]) {
      expect(out).toContain(expected);
    }
    expect(out).toHaveLength(10);
  });

  it("accepts container-level seccomp/runAsNonRoot and NET_BIND_SERVICE, rejects unsafe sysctls and Unconfined", () => {
    const d = deployment();
    d.spec.template.spec.securityContext = { sysctls: [{ name: "net.core.somaxconn", value: "1024" }] };
    d.spec.template.spec.containers[0].securityContext = {
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      seccompProfile: { type: "Localhost", localhostProfile: "p.json" },
      capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
      appArmorProfile: { type: "Unconfined" },
    };
    expect(found(d)).toEqual([
      "policy/pod-security spec.template.spec.securityContext.sysctls[0].name: unsafe sysctl net.core.somaxconn",
      `policy/pod-security ${C}.securityContext.appArmorProfile.type: appArmorProfile Unconfined`,
    ]);
  });

  it("rejects :latest and untagged images, and tags where digests are required", () => {
    const d = deployment();
    d.spec.template.spec.containers[0].image = "registry.example.com/web:latest";
    expect(found(d, loose)).toEqual([
      `policy/image-tag ${C}.image: container "web" image "registry.example.com/web:latest" uses the :latest tag`,
    ]);
    d.spec.template.spec.containers[0].image = "registry.example.com:5000/web";
    expect(found(d, loose)).toEqual([
      `policy/image-tag ${C}.image: container "web" image "registry.example.com:5000/web" has no tag`,
    ]);
    d.spec.template.spec.containers[0].image = "registry.example.com:5000/web:1.2.3";
    expect(found(d, loose)).toEqual([]);
    expect(found(d, strict)).toEqual([
      `policy/image-digest ${C}.image: container "web" image "registry.example.com:5000/web:1.2.3" is not pinned by digest`,
    ]);
    d.spec.template.spec.containers[0].image = `registry.example.com/web:1.2.3@sha256:${"b".repeat(64)}`;
    expect(found(d, strict)).toEqual([]);
  });

  it("rejects a Secret carrying data, accepts one without", () => {
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { token: "eA==" } };
    const [f] = checkPolicy("dev", secret, loose);
    expect(f).toMatchObject({ rule: "policy/secret-data", path: "data", object: "Secret/s" });
    expect(f?.hint).toContain("ExternalSecret");
    expect(checkPolicy("dev", { ...secret, data: {} }, loose)).toEqual([]);
  });
});
