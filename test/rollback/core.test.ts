// The pure parts: payload validation, payload currency, target choice, the analysis summary.
import { describe, expect, it } from "vitest";
import { CheckFailedError, InputError } from "../../pipeline/src/errors.js";
import { withStatuses } from "../../pipeline/src/ledger/types.js";
import { summarizeAnalysisRun } from "../../pipeline/src/rollback/analysis-run.js";
import {
  isAnalysisFailure,
  parseDispatchPayload,
  payloadIsCurrent,
  reasonFromPayload,
} from "../../pipeline/src/rollback/payload.js";
import { chooseTarget, NoKnownGoodError } from "../../pipeline/src/rollback/target.js";
import { BAD, dispatchBody, GOOD, imagesAt, versionId } from "./fixture.js";

const deployment = (version: string, states: string[], id: string) =>
  withStatuses(
    {
      id,
      environment: "production",
      sha: id.padEnd(40, "0"),
      version: versionId(version),
      images: imagesAt("production", version),
      createdAt: `2026-11-2${id}T00:00:00Z`,
    },
    states.map((s, i) => ({ state: s as "success", createdAt: `2026-11-2${id}T0${i + 1}:00:00Z` })),
  );

describe("dispatch payload", () => {
  it("gives the rollback a reason naming the trigger, the Rollout and Argo Rollouts' message", () => {
    const p = parseDispatchPayload(dispatchBody("production", BAD), "payload.json");
    expect(reasonFromPayload(p)).toBe(
      'Argo Rollouts analysis failed on orchestrator: RolloutAborted: Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)',
    );
    const aborted = parseDispatchPayload(
      dispatchBody("production", BAD, { trigger: "on-rollout-aborted", message: "" }),
      "payload.json",
    );
    expect(reasonFromPayload(aborted)).toBe("Argo Rollouts aborted on orchestrator");
  });

  it("parses the notification body", () => {
    const p = parseDispatchPayload(dispatchBody("production", BAD), "payload.json");
    expect(p).toMatchObject({
      environment: "production",
      rollout: "orchestrator",
      trigger: "on-analysis-run-failed",
      revision: "4",
    });
    expect(isAnalysisFailure(p)).toBe(true);
    expect(payloadIsCurrent(p, imagesAt("production", BAD))).toEqual({ current: true });
    const stale = payloadIsCurrent(p, imagesAt("production", GOOD));
    expect(stale.current).toBe(false);
  });

  it.each([
    ["not json", "{", /payload.json: not valid JSON/],
    [
      "wrong event",
      JSON.stringify({ event_type: "deploy", client_payload: {} }),
      /field event_type is "deploy"/,
    ],
    [
      "no client_payload",
      JSON.stringify({ event_type: "rollout-aborted" }),
      /field client_payload is missing/,
    ],
    [
      "no environment",
      JSON.stringify({ client_payload: { rollout: "a", images: ["r/x:1"] } }),
      /field client_payload.environment is missing/,
    ],
    [
      "images not a list",
      JSON.stringify({ client_payload: { environment: "dev", rollout: "a", images: "x" } }),
      /field client_payload.images must be a non-empty list/,
    ],
    [
      "number message",
      JSON.stringify({ client_payload: { environment: "dev", rollout: "a", images: ["r/x:1"], message: 3 } }),
      /client_payload.message must be a string/,
    ],
  ])("refuses %s with an InputError naming the field", (_n, text, message) => {
    expect(() => parseDispatchPayload(text, "payload.json")).toThrow(InputError);
    expect(() => parseDispatchPayload(text, "payload.json")).toThrow(message);
  });

  it("a payload naming none of the overlay's images is stale", () => {
    const p = parseDispatchPayload(
      JSON.stringify({
        client_payload: {
          environment: "dev",
          rollout: "a",
          images: [`docker.io/library/redis:7@sha256:${"a".repeat(64)}`],
        },
      }),
      "p",
    );
    expect(payloadIsCurrent(p, imagesAt("dev", GOOD))).toMatchObject({
      current: false,
      reason: expect.stringContaining("none of the payload's images"),
    });
  });
});

describe("chooseTarget", () => {
  const history = [
    deployment(BAD, ["in_progress"], "3"),
    deployment(GOOD, ["success", "inactive"], "2"),
    deployment("0.9.0", ["success"], "1"),
  ];

  it("picks the newest success that is not the failing version and not rejected", () => {
    expect(
      chooseTarget({ env: "production", deployments: history, rejections: [], failedVersion: versionId(BAD) })
        .deployment.version,
    ).toBe(versionId(GOOD));
    const rejectedGood = [
      { version: versionId(GOOD), rejected: true, reason: "x", at: "2026-11-25T00:00:00Z" },
    ];
    expect(
      chooseTarget({
        env: "production",
        deployments: history,
        rejections: rejectedGood,
        failedVersion: versionId(BAD),
      }).deployment.version,
    ).toBe(versionId("0.9.0"));
    // an unreject makes it eligible again
    const unrejected = [{ ...rejectedGood[0], rejected: false }] as typeof rejectedGood;
    expect(
      chooseTarget({
        env: "production",
        deployments: history,
        rejections: unrejected,
        failedVersion: versionId(BAD),
      }).deployment.version,
    ).toBe(versionId(GOOD));
  });

  it("never picks a version that did not succeed; none left is NoKnownGoodError (exit 1)", () => {
    const e = (() => {
      try {
        chooseTarget({
          env: "production",
          deployments: [history[0] as never, deployment(GOOD, ["failure"], "2")],
          rejections: [],
          failedVersion: versionId(BAD),
        });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(NoKnownGoodError);
    expect(e).toBeInstanceOf(CheckFailedError);
    expect((e as Error).message).toMatch(/^ALERT: no known good version of production/);
  });

  it("--to: must have succeeded there and not be rejected; a malformed id or the current one is bad input", () => {
    const base = { env: "production", deployments: history, rejections: [], failedVersion: versionId(BAD) };
    expect(chooseTarget({ ...base, to: versionId("0.9.0") })).toMatchObject({ how: "requested" });
    expect(() => chooseTarget({ ...base, to: versionId(BAD) })).toThrow(InputError);
    expect(() => chooseTarget({ ...base, to: "v1" })).toThrow(InputError);
    expect(() =>
      chooseTarget({ ...base, deployments: [deployment(GOOD, ["failure"], "2")], to: versionId(GOOD) }),
    ).toThrow(/never reached success/);
    expect(() =>
      chooseTarget({
        ...base,
        rejections: [{ version: versionId(GOOD), rejected: true, reason: "leak", at: "t" }],
        to: versionId(GOOD),
      }),
    ).toThrow(/that version is rejected since t: leak/);
  });
});

describe("summarizeAnalysisRun", () => {
  it("keeps each metric's phase, last three values and message", () => {
    const s = summarizeAnalysisRun({
      metadata: { name: "run-1" },
      status: {
        phase: "Failed",
        metricResults: [
          {
            name: "error-rate",
            phase: "Failed",
            message: "m",
            measurements: [1, 2, 3, 4].map((v) => ({ value: String(v) })),
          },
        ],
      },
    });
    expect(s).toEqual({
      name: "run-1",
      phase: "Failed",
      metrics: [{ name: "error-rate", phase: "Failed", values: ["2", "3", "4"], message: "m" }],
    });
  });
});
