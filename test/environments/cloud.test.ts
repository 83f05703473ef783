// The Google Cloud infrastructure (Config Connector, environments/components/cloud-infrastructure),
// asserted on the rendered overlays: strict schemas for the CNRM kinds, the production safety
// settings (deletion protection, backups + PITR, bucket lifecycle and retention, abandon on delete),
// least-privilege IAM, one Google SA per Kubernetes SA, and GitHub federation limited to this repository.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { checkSchema, knownKinds } from "../../pipeline/src/manifests/schema.js";
import { runCli } from "../helpers/cli.js";
import { type Obj, podTemplate, type Rendered, ROOT, render, workloads } from "./rendered.js";

const CNRM = /\.cnrm\.cloud\.google\.com\//;
const REPOSITORY = "ngx-agents/ngx-agents-delivery";
const PROJECTS: Record<string, string> = {
  dev: "ngx-agents-dev",
  staging: "ngx-agents-staging",
  production: "ngx-agents-prod",
};
const WI_ROLE = "roles/iam.workloadIdentityUser";
/** The only roles a workload's Google SA may hold (besides its own Workload Identity binding). */
const ALLOWED_ROLES: Record<string, readonly string[]> = {
  "api-gateway": [],
  orchestrator: [],
  "a2a-server": [],
  "agent-services": ["roles/cloudsql.client", "roles/cloudsql.instanceUser"],
  "vertex-ai-client": ["roles/aiplatform.user"],
  "otel-collector": ["roles/cloudtrace.agent"],
  "external-secrets": ["roles/secretmanager.secretAccessor"],
  "external-secrets-dispatch": ["roles/secretmanager.secretAccessor"],
  "db-backup": ["roles/cloudsql.client", "roles/cloudsql.instanceUser", "roles/storage.objectCreator"],
  "ngx-release": ["roles/monitoring.metricWriter", "roles/monitoring.viewer"],
};

const rendered: Record<string, Rendered> = {};
beforeAll(async () => {
  for (const env of Object.keys(PROJECTS)) rendered[env] = await render(env);
});

function cnrm(r: Rendered): Obj[] {
  return r.objects.filter((o) => CNRM.test(o.apiVersion));
}

/** The Google SA a policy member names: memberFrom.serviceAccountRef, or serviceAccount:<email>. */
function memberSa(m: Obj): string | undefined {
  const ref = m.spec.memberFrom?.serviceAccountRef?.name;
  if (ref) return ref;
  const email = /^serviceAccount:([^@]+)@[^.]+\.iam\.gserviceaccount\.com$/.exec(m.spec.member ?? "");
  return email?.[1];
}

describe.each(Object.keys(PROJECTS))("%s: Config Connector objects", (env) => {
  it("pass the strict CNRM schemas and name the environment's project, no placeholder left", () => {
    const objects = cnrm(rendered[env] as Rendered);
    expect(objects.length).toBeGreaterThan(15);
    const kinds = new Set(knownKinds());
    for (const o of objects) {
      const where = `${o.kind}/${o.metadata.name}`;
      expect(kinds.has(`${o.apiVersion}/${o.kind}`), `${where} has a schema`).toBe(true);
      expect(checkSchema(env, o as never), where).toEqual([]);
      const project = o.metadata.annotations?.["cnrm.cloud.google.com/project-id"];
      expect([PROJECTS[env], "ngx-agents"], where).toContain(project);
      expect(JSON.stringify(o), where).not.toMatch(/PROJECT_ID|ENVIRONMENT|PROJECT_NUMBER/);
    }
  });

  it("syncs infrastructure before the workloads (negative sync waves)", () => {
    for (const o of cnrm(rendered[env] as Rendered)) {
      const wave = Number(o.metadata.annotations?.["argocd.argoproj.io/sync-wave"]);
      expect(wave, `${o.kind}/${o.metadata.name}`).toBeLessThan(0);
    }
    // identities, instance, bucket and secrets first; what refers to them one wave later
    for (const o of cnrm(rendered[env] as Rendered).filter((o) =>
      ["IAMPolicyMember", "SQLDatabase", "SQLUser"].includes(o.kind),
    )) {
      expect(o.metadata.annotations["argocd.argoproj.io/sync-wave"], `${o.kind}/${o.metadata.name}`).toBe(
        "-4",
      );
    }
  });

  it("binds every Kubernetes SA a workload uses to exactly one Google SA (annotation + one Workload Identity binding)", () => {
    const r = rendered[env] as Rendered;
    const project = PROJECTS[env] as string;
    const gsas = new Set(r.all("IAMServiceAccount").map((s) => s.metadata.name));
    const wiBindings = r.all("IAMPolicyMember").filter((m) => m.spec.role === WI_ROLE);
    const used = new Set(workloads(r).map((w) => podTemplate(w)?.spec?.serviceAccountName ?? "default"));
    // External Secrets is not a pod here but acts through its Kubernetes SAs (ClusterSecretStores)
    used.add("external-secrets");
    used.add("external-secrets-dispatch");
    for (const ksa of used) {
      const sa = r.get("ServiceAccount", ksa);
      const annotation = sa.metadata.annotations?.["iam.gke.io/gcp-service-account"];
      const member = `serviceAccount:${project}.svc.id.goog[ngx-agents/${ksa}]`;
      const bound = wiBindings.filter((m) => m.spec.member === member);
      if (ksa === "redis") {
        // calls no Google API: no Google identity at all
        expect(annotation, ksa).toBeUndefined();
        expect(bound, ksa).toEqual([]);
        continue;
      }
      expect(annotation, ksa).toBe(`${ksa}@${project}.iam.gserviceaccount.com`);
      expect(gsas.has(ksa), `IAMServiceAccount/${ksa}`).toBe(true);
      expect(
        bound.map((m) => m.spec.resourceRef),
        ksa,
      ).toEqual([{ kind: "IAMServiceAccount", name: ksa }]);
    }
    // and each environment Google SA admits exactly one Kubernetes SA, its own
    for (const gsa of [...gsas].filter((g) => g !== "ngx-release")) {
      const admits = wiBindings.filter((m) => m.spec.resourceRef.name === gsa);
      expect(
        admits.map((m) => m.spec.member),
        gsa,
      ).toEqual([`serviceAccount:${project}.svc.id.goog[ngx-agents/${gsa}]`]);
    }
  });

  it("grants no role broader than needed: no owner/editor/*Admin, only each SA's listed roles", () => {
    const r = rendered[env] as Rendered;
    for (const m of r.all("IAMPolicyMember")) {
      const where = `IAMPolicyMember/${m.metadata.name}`;
      expect(m.spec.role, where).not.toMatch(/^roles\/(owner|editor|viewer)$|admin$/i);
      if (m.spec.role === WI_ROLE) continue;
      const sa = memberSa(m);
      expect(sa, `${where} names a Google SA of this repository`).toBeDefined();
      expect(ALLOWED_ROLES[sa as string] ?? [], where).toContain(m.spec.role);
      // Secret Manager access is per secret, bucket access per bucket, never project-wide
      if (m.spec.role === "roles/secretmanager.secretAccessor") {
        expect(m.spec.resourceRef.kind, where).toBe("SecretManagerSecret");
      }
      if (m.spec.role.startsWith("roles/storage."))
        expect(m.spec.resourceRef.kind, where).toBe("StorageBucket");
    }
  });

  it("has a Secret Manager secret (never a value) for every secret an ExternalSecret of the cluster reads, each readable only by its store's Google SA", () => {
    const r = rendered[env] as Rendered;
    // the cluster's ExternalSecrets: the overlay and the Application's second source (the Argo CD
    // cluster's own token lives in the shared project, rollouts/argocd/secretstore.yaml)
    const external = [
      ...r.all("ExternalSecret"),
      ...["rollouts/notifications/externalsecret.yaml"].flatMap((f) =>
        parseAllDocuments(readFileSync(join(ROOT, f), "utf8")).map((d) => d.toJS() as Obj),
      ),
    ];
    const readerOf = (key: string) =>
      key === "ngx-agents-github-dispatch-token" ? "external-secrets-dispatch" : "external-secrets";
    const keys = new Set(
      external.flatMap((e) => (e.spec.data ?? []).map((d: Obj) => d.remoteRef.key as string)),
    );
    expect(keys.size).toBeGreaterThan(0);
    const secrets = r.all("SecretManagerSecret");
    expect(secrets.map((s) => s.metadata.name).sort()).toEqual([...keys].sort());
    expect(r.objects.some((o) => o.kind === "SecretManagerSecretVersion")).toBe(false);
    for (const key of keys) {
      const readers = r
        .all("IAMPolicyMember")
        .filter((m) => m.spec.resourceRef.kind === "SecretManagerSecret" && m.spec.resourceRef.name === key);
      expect(
        readers.map((m) => [memberSa(m), m.spec.role]),
        key,
      ).toEqual([[readerOf(key), "roles/secretmanager.secretAccessor"]]);
    }
  });

  it("connects the workloads to the instance and database the manifests create", () => {
    const r = rendered[env] as Rendered;
    const config = r.get("ConfigMap", "ngx-agents-config").data;
    const instance = r.get("SQLInstance", "ngx-agents");
    expect(config.CLOUD_SQL_CONNECTION_NAME).toBe(`${PROJECTS[env]}:${instance.spec.region}:ngx-agents`);
    expect(r.get("SQLDatabase", "ngx-agents-db").spec.resourceID).toBe(config.DB_NAME);
    const users = r.all("SQLUser").map((u) => [u.spec.resourceID, u.spec.type]);
    expect(users).toContainEqual([`agent-services@${PROJECTS[env]}.iam`, "CLOUD_IAM_SERVICE_ACCOUNT"]);
    if (r.objects.some((o) => o.kind === "CronJob" && o.metadata.name === "db-backup")) {
      expect(users).toContainEqual([`db-backup@${PROJECTS[env]}.iam`, "CLOUD_IAM_SERVICE_ACCOUNT"]);
      expect(r.get("StorageBucket", "ngx-agents-backups").spec.resourceID).toBe(config.BACKUP_BUCKET);
    }
  });
});

describe("production: Google Cloud safety settings", () => {
  let r: Rendered;
  beforeAll(() => {
    r = rendered.production as Rendered;
  });

  it("protects the database: deletion protection, private IP only, IAM authentication, regional", () => {
    const s = r.get("SQLInstance", "ngx-agents").spec.settings;
    expect(s.deletionProtectionEnabled).toBe(true);
    expect(s.ipConfiguration.ipv4Enabled).toBe(false);
    expect(s.ipConfiguration.privateNetworkRef.external).toBe(
      "projects/ngx-agents-prod/global/networks/default",
    );
    expect(s.databaseFlags).toContainEqual({ name: "cloudsql.iam_authentication", value: "on" });
    expect(s.availabilityType).toBe("REGIONAL");
    expect(s.maintenanceWindow).toMatchObject({ day: 7, hour: 3, updateTrack: "stable" });
    expect(r.get("SQLDatabase", "ngx-agents-db").spec.deletionPolicy).toBe("ABANDON");
  });

  it("keeps automated backups 30 days with point-in-time recovery over 7 days of logs", () => {
    const b = r.get("SQLInstance", "ngx-agents").spec.settings.backupConfiguration;
    expect(b).toMatchObject({
      enabled: true,
      pointInTimeRecoveryEnabled: true,
      transactionLogRetentionDays: 7,
      backupRetentionSettings: { retainedBackups: 30, retentionUnit: "COUNT" },
    });
  });

  it("keeps exports under a 30-day retention policy, Nearline after 30 days, deleted after 90 (docs/disaster-recovery.md)", () => {
    const bucket = r.get("StorageBucket", "ngx-agents-backups").spec;
    expect(bucket.resourceID).toBe("ngx-agents-backups-production");
    expect(bucket.uniformBucketLevelAccess).toBe(true);
    expect(bucket.publicAccessPrevention).toBe("enforced");
    expect(bucket.retentionPolicy.retentionPeriod).toBe(30 * 24 * 3600);
    // Cloud Storage refuses versioning together with a retention policy
    expect(bucket.versioning).toEqual({ enabled: false });
    const rules = bucket.lifecycleRule as Obj[];
    expect(rules).toContainEqual({
      action: { type: "SetStorageClass", storageClass: "NEARLINE" },
      condition: { age: 30, matchesStorageClass: ["STANDARD"] },
    });
    const deletes = rules.filter((x) => x.action.type === "Delete");
    expect(deletes.map((x) => x.condition.age)).toEqual([90]);
    // nothing may delete an export before the retention period ends
    expect(Math.min(...deletes.map((x) => x.condition.age)) * 86400).toBeGreaterThanOrEqual(
      bucket.retentionPolicy.retentionPeriod,
    );
  });

  it("abandons every Google Cloud resource when its object or the Application is deleted", () => {
    for (const o of cnrm(r)) {
      expect(
        o.metadata.annotations["cnrm.cloud.google.com/deletion-policy"],
        `${o.kind}/${o.metadata.name}`,
      ).toBe("abandon");
    }
  });

  it("limits GitHub federation to this repository's main branch", () => {
    const provider = r.get("IAMWorkloadIdentityPoolProvider", "ngx-agents-delivery").spec;
    expect(provider.oidc.issuerUri).toBe("https://token.actions.githubusercontent.com");
    expect(provider.attributeMapping["attribute.repository"]).toBe("assertion.repository");
    expect(provider.attributeCondition).toContain(`attribute.repository == "${REPOSITORY}"`);
    expect(provider.attributeCondition).not.toMatch(/\|\|/);
    expect(provider.workloadIdentityPoolRef).toEqual({ name: "github" });
    // the repository named is the one Argo CD syncs from
    const project = parseAllDocuments(
      readFileSync(join(ROOT, "rollouts/argocd/appproject.yaml"), "utf8"),
    )[0]?.toJS();
    expect(project.spec.sourceRepos).toEqual([`https://github.com/${REPOSITORY}.git`]);
  });

  it("lets ngx-release read (only read) the Cloud Monitoring of the project the google-signals gate looks at", () => {
    const config = parseAllDocuments(
      readFileSync(join(ROOT, "environments/promotion.yaml"), "utf8"),
    )[0]?.toJS();
    const envs = config.environments as { name: string; gates?: string[]; googleCloudProject?: string }[];
    // granted by the watched environment's own Config Connector (its project, its render): no
    // environment sets IAM on another's project (validate: config-connector/cross-project)
    const readers = (r: Rendered) =>
      r.objects.filter(
        (o) =>
          o.kind === "IAMPolicyMember" &&
          memberSa(o) === "ngx-release" &&
          o.spec.role === "roles/monitoring.viewer",
      );
    for (const [i, env] of envs.entries()) {
      if (!env.gates?.includes("google-signals")) continue;
      const before = envs[i - 1];
      const watched = before?.googleCloudProject;
      expect(watched, `${env.name}: the environment before it names its googleCloudProject`).toBeDefined();
      const owner = rendered[before?.name as string] as Rendered;
      expect(
        readers(owner).map((o) => [
          o.spec.resourceRef.external,
          o.metadata.annotations["cnrm.cloud.google.com/project-id"],
        ]),
      ).toContainEqual([`projects/${watched}`, watched]);
    }
    for (const other of Object.values(rendered))
      for (const o of readers(other))
        expect(o.metadata.annotations["cnrm.cloud.google.com/project-id"], o.metadata.name).toBe(
          o.spec.resourceRef.external.replace("projects/", ""),
        );
  });

  it("hosts the image repository the overlays pull from (us-central1-docker.pkg.dev/ngx-agents/ngx)", () => {
    const repo = r.get("ArtifactRegistryRepository", "ngx");
    expect(repo.metadata.annotations["cnrm.cloud.google.com/project-id"]).toBe("ngx-agents");
    expect(repo.spec).toMatchObject({
      format: "DOCKER",
      location: "us-central1",
      dockerConfig: { immutableTags: true },
    });
    // one owner: the shared-project resources are rendered by production only
    for (const env of ["dev", "staging"]) {
      expect(
        cnrm(rendered[env] as Rendered).filter(
          (o) => o.metadata.annotations["cnrm.cloud.google.com/project-id"] === "ngx-agents",
        ),
      ).toEqual([]);
    }
  });
});

describe("ngx-release validate on Config Connector objects", () => {
  const tmp = mkdtempSync(join(tmpdir(), "ngx-cloud-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("reports each misspelled CNRM field at its path (fixture)", () => {
    const fixture = parseAllDocuments(
      readFileSync(join(ROOT, "test/fixtures/cloud/unknown-fields.yaml"), "utf8"),
    ).map((d) => d.toJS() as Obj);
    const found = fixture.flatMap((o) => checkSchema("production", o as never));
    expect(found.map((f) => [f.object, f.rule, f.path])).toEqual([
      // the misspelling also leaves StorageBucket versioning without its required "enabled"
      ["StorageBucket/ngx-agents-backups", "schema/invalid", "spec.versioning"],
      ["StorageBucket/ngx-agents-backups", "schema/unknown-field", "spec.versioning.enable"],
      [
        "SQLInstance/ngx-agents",
        "schema/unknown-field",
        "spec.settings.backupConfiguration.pointInTimeRecovery",
      ],
      [
        "IAMWorkloadIdentityPoolProvider/ngx-agents-delivery",
        "schema/unknown-field",
        "spec.attributeConditions",
      ],
    ]);
    expect(found[0]?.message).toBe('required field "enabled" is missing');
  });

  it("exits 1 naming the object and field when an overlay patch misspells a CNRM field, 0 on the real tree", async () => {
    for (const dir of ["environments", "rollouts"])
      cpSync(join(ROOT, dir), join(tmp, dir), { recursive: true });
    const clean = await runCli(["validate", "production", "--repo", tmp]);
    expect(clean.stdout).toContain("0 findings");
    expect(clean.code).toBe(0);
    const patch = join(tmp, "environments/production/cloud-infrastructure.patch.yaml");
    writeFileSync(
      patch,
      readFileSync(patch, "utf8").replace(
        "      pointInTimeRecoveryEnabled: true",
        "      pointInTimeRecovery: true",
      ),
    );
    const broken = await runCli(["validate", "production", "--repo", tmp]);
    expect(broken.code).toBe(1);
    const row = broken.stdout.split("\n").find((l) => l.includes("schema/unknown-field"));
    expect(row).toMatch(
      /^production\s+SQLInstance\/ngx-agents\s+spec\.settings\.backupConfiguration\.pointInTimeRecovery\s+schema\/unknown-field/,
    );
  });
});
