// metadata checked as the API server checks ObjectMeta. The good/bad value lists are the ones of
// kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation_test.go
// @008b3652959c (TestIsDNS1123Label, TestIsDNS1123Subdomain, TestIsDNS1035Label, TestIsQualifiedName,
// TestIsValidLabelValue); the annotation size limit is TotalAnnotationSizeLimitB of
// staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go at the same commit.
import { describe, expect, it } from "vitest";
import {
  checkObjectMeta,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  TOTAL_ANNOTATION_SIZE_LIMIT,
} from "../../pipeline/src/manifests/object-meta.js";
import type { K8sObject } from "../../pipeline/src/manifests/render.js";
import { checkSelectors } from "../../pipeline/src/manifests/selectors.js";
import { deployment, service } from "./helpers.js";

const BAD_COMMON = ["", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1"];
const BAD_CHARS = ["_", "a_", "_a", "a_b", "1_", "_1", "1_2", " ", "a ", " a", "a b", "1 ", " 1", "1 2"];

describe("name syntax (upstream validation_test.go cases)", () => {
  it.each([
    [
      "IsDNS1123Label",
      isDNS1123Label,
      [
        "a",
        "ab",
        "abc",
        "a1",
        "a-1",
        "a--1--2--b",
        "0",
        "01",
        "012",
        "1a",
        "1-a",
        "1--a--b--2",
        "a".repeat(63),
      ],
      [...BAD_COMMON, ...BAD_CHARS, ".", "a.", ".a", "a.b", "1.", ".1", "1.2", "a".repeat(64)],
    ],
    [
      "IsDNS1123Subdomain",
      isDNS1123Subdomain,
      [
        "a",
        "a-1",
        "0",
        "1--a--b--2",
        "a.a",
        "a--1--2--b.a",
        "0.1",
        "1--a--b--2.1",
        "a.b.c.d.e",
        "1.2.3.4.5",
        "a".repeat(253),
      ],
      [
        ...BAD_COMMON,
        ...BAD_CHARS,
        ".",
        "a.",
        ".a",
        "a..b",
        "1.",
        ".1",
        "1..2",
        "A.a",
        "aB.a",
        "ab.A",
        "A.B.C.D.E",
        "a.B.c.d.e",
        "a@b",
        "a,b",
        "a;b",
        "a:b",
        "a%b",
        "a?b",
        "a$b",
        "a".repeat(254),
      ],
    ],
    [
      "IsDNS1035Label",
      isDNS1035Label,
      ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "a".repeat(63)],
      [
        "0",
        "01",
        "012",
        "1a",
        "1-a",
        "1--a--b--2",
        ...BAD_COMMON,
        ...BAD_CHARS,
        ".",
        "a.",
        "a.b",
        "a".repeat(64),
      ],
    ],
    [
      "IsQualifiedName",
      isQualifiedName,
      [
        "simple",
        "now-with-dashes",
        "1-starts-with-num",
        "1234",
        "simple/simple",
        "now-with-dashes/simple",
        "now.with.dots/simple",
        "now-with.dashes-and.dots/simple",
        "1-num.2-num/3-num",
        "1234/5678",
        "1.2.3.4/5678",
        "Uppercase_Is_OK_123",
        "example.com/Uppercase_Is_OK_123",
        "requests.storage-foo",
        "a".repeat(63),
        `${"a".repeat(253)}/${"b".repeat(63)}`,
      ],
      [
        "nospecialchars%^=@",
        "cantendwithadash-",
        "-cantstartwithadash-",
        "only/one/slash",
        "Example.com/abc",
        "example_com/abc",
        "example.com/",
        "/simple",
        "a".repeat(64),
        `${"a".repeat(254)}/abc`,
      ],
    ],
    [
      "IsValidLabelValue",
      isValidLabelValue,
      ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a".repeat(63), ""],
      [
        "nospecialchars%^=@",
        "Tama-nui-te-rā.is.Māori.sun",
        "\\backslashes\\are\\bad",
        "-starts-with-dash",
        "ends-with-dash-",
        ".starts.with.dot",
        "ends.with.dot.",
        "a".repeat(64),
        "team a",
      ],
    ],
  ] as const)("%s accepts upstream's good values and refuses its bad ones", (_name, fn, good, bad) => {
    for (const v of good) expect(fn(v), JSON.stringify(v)).toEqual([]);
    for (const v of bad) expect(fn(v).length, JSON.stringify(v)).toBeGreaterThan(0);
  });
});

function withMeta(kind: string, apiVersion: string, metadata: Record<string, unknown>): K8sObject {
  return { apiVersion, kind, metadata } as unknown as K8sObject;
}

describe("checkObjectMeta", () => {
  it("passes a clean object (and its pod template)", () => {
    expect(checkObjectMeta("dev", deployment())).toEqual([]);
  });

  it('refuses a label value with a space (owner: "team a"), naming the label and the rule', () => {
    const d = deployment();
    d.metadata.labels = { app: "web", owner: "team a" };
    expect(checkObjectMeta("dev", d)).toEqual([
      {
        env: "dev",
        object: "Deployment/web",
        path: "metadata.labels.owner",
        rule: "meta/label-value",
        message: expect.stringContaining('label owner="team a": must be empty or consist of letters'),
        hint: expect.stringContaining("team-a"),
      },
    ]);
  });

  it("checks label keys, annotation keys (case-insensitively) and pod template labels", () => {
    const d = deployment();
    d.metadata.labels = { app: "web", "Example.com/team": "a" };
    d.metadata.annotations = {
      "Example.com/Note": "fine: annotation keys are compared lower-cased",
      "a b": "x",
    };
    d.spec.template.metadata.labels = { app: "web", version: "1.0 beta" };
    const f = checkObjectMeta("dev", d);
    expect(f.map((x) => [x.path, x.rule])).toEqual([
      ['metadata.labels["Example.com/team"]', "meta/label-key"],
      ['metadata.annotations["a b"]', "meta/annotation-key"],
      ["spec.template.metadata.labels.version", "meta/label-value"],
    ]);
    expect(f[0]?.message).toContain("prefix part must be a DNS-1123 subdomain");
  });

  it("refuses annotations over 256 KiB in total and accepts exactly the limit", () => {
    const d = deployment();
    const key = "example.com/blob";
    d.metadata.annotations = { [key]: "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT - key.length) };
    expect(checkObjectMeta("dev", d)).toEqual([]);
    d.metadata.annotations = { [key]: "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT - key.length + 1) };
    const f = checkObjectMeta("dev", d);
    expect(f.map((x) => [x.path, x.rule])).toEqual([["metadata.annotations", "meta/annotations-size"]]);
    expect(f[0]?.message).toContain(`${TOTAL_ANNOTATION_SIZE_LIMIT + 1} bytes`);
  });

  it.each([
    ["v1", "Service", "api.v2", "DNS-1035 label"],
    ["v1", "Service", "2api", "DNS-1035 label"],
    ["v1", "Namespace", "ngx.agents", "must not contain dots"],
    ["apps/v1", "Deployment", "Web", "DNS-1123 subdomain"],
    ["argoproj.io/v1alpha1", "Rollout", "api_gateway", "DNS-1123 subdomain"],
    ["batch/v1", "CronJob", "a".repeat(53), "no more than 52 characters"],
    ["rbac.authorization.k8s.io/v1", "ClusterRole", "a/b", "may not contain '/'"],
  ])("%s %s named %j is refused (%s)", (apiVersion, kind, name, why) => {
    const f = checkObjectMeta("dev", withMeta(kind, apiVersion, { name }));
    expect(f.map((x) => [x.path, x.rule])).toEqual([["metadata.name", "meta/name"]]);
    expect(f[0]?.message).toContain(why);
  });

  it.each([
    ["v1", "ConfigMap", "app.config"],
    ["apps/v1", "Deployment", "api.v2"],
    ["batch/v1", "CronJob", "a".repeat(52)],
    ["rbac.authorization.k8s.io/v1", "ClusterRole", "system:aggregate-to-view"],
  ])("%s %s named %j is accepted", (apiVersion, kind, name) => {
    expect(checkObjectMeta("dev", withMeta(kind, apiVersion, { name }))).toEqual([]);
  });

  it("requires name or generateName; generateName may end with '-'; namespace is a DNS-1123 label", () => {
    expect(checkObjectMeta("dev", withMeta("ConfigMap", "v1", {})).map((x) => x.message)).toEqual([
      "name or generateName is required",
    ]);
    expect(checkObjectMeta("dev", withMeta("Job", "batch/v1", { generateName: "backup-" }))).toEqual([]);
    const ns = checkObjectMeta("dev", withMeta("ConfigMap", "v1", { name: "a", namespace: "NGX" }));
    expect(ns.map((x) => [x.path, x.rule])).toEqual([["metadata.namespace", "meta/namespace"]]);
  });
});

// ValidateLabelSelector / ValidateLabelSelectorRequirement of kubernetes/kubernetes
// staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go; Service selectors go
// through ValidateLabels (pkg/apis/core/validation ValidateService).
describe("checkSelectors", () => {
  it("passes the clean Deployment and a Service selecting app=web", () => {
    expect(checkSelectors("dev", deployment())).toEqual([]);
    expect(checkSelectors("dev", service("web", { app: "web" }))).toEqual([]);
  });

  it("refuses bad matchLabels values, operators without/with values, unknown operators and bad keys", () => {
    const d = deployment();
    d.spec.selector = {
      matchLabels: { app: "web shop" },
      matchExpressions: [
        { key: "tier", operator: "In", values: [] },
        { key: "tier", operator: "Exists", values: ["a"] },
        { key: "tier", operator: "Equals", values: ["a"] },
        { key: "bad key", operator: "NotIn", values: ["ok", "not ok"] },
      ],
    };
    expect(checkSelectors("dev", d).map((f) => [f.path, f.rule, f.message])).toEqual([
      ["spec.selector.matchLabels.app", "meta/selector", expect.stringContaining('selector app="web shop"')],
      ["spec.selector.matchExpressions[0].values", "meta/selector", "operator In needs values"],
      ["spec.selector.matchExpressions[1].values", "meta/selector", "operator Exists takes no values"],
      ["spec.selector.matchExpressions[2].operator", "meta/selector", '"Equals" is not a selector operator'],
      [
        "spec.selector.matchExpressions[3].key",
        "meta/selector",
        expect.stringContaining('selector key "bad key"'),
      ],
      ["spec.selector.matchExpressions[3].values[1]", "meta/selector", expect.stringContaining('"not ok"')],
    ]);
  });

  it("checks Service selectors and NetworkPolicy peers", () => {
    expect(checkSelectors("dev", service("web", { app: "web/v2" })).map((f) => f.path)).toEqual([
      "spec.selector.app",
    ]);
    const np = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "np" },
      spec: {
        podSelector: {},
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress nginx" } } },
            ],
          },
        ],
      },
    } as unknown as K8sObject;
    expect(checkSelectors("dev", np).map((f) => f.path)).toEqual([
      "spec.ingress[0].from[0].namespaceSelector.matchLabels.kubernetes.io/metadata.name",
    ]);
  });
});
