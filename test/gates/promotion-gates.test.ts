// What promote calls first: refuse on closed gates, or skip them only with a reason that goes into the PR.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRepo } from "../../pipeline/src/config/load.js";
import { GateClosedError, InputError } from "../../pipeline/src/errors.js";
import { gatesForPromotion } from "../../pipeline/src/gates/promotion.js";
import { LocalLedger } from "../../pipeline/src/ledger/local.js";
import { versionOf } from "../../pipeline/src/ledger/version.js";
import { FakeArgoCd } from "../helpers/fake-argocd.js";
import { type GateRepo, gateRepo, V1, V2 } from "./fixture.js";

let repo: GateRepo;
let argo: FakeArgoCd;
beforeAll(async () => {
  repo = gateRepo();
  argo = await FakeArgoCd.start();
  argo.withApp("ngx-agents-dev", { revision: repo.c1 }); // older than the version being promoted
  const ledger = await LocalLedger.open(repo.root);
  await ledger.reject({ version: versionOf(V1), reason: "bad canary", images: V1 });
});
afterAll(async () => {
  await argo.close();
  repo.cleanup();
});

describe("gatesForPromotion", () => {
  it("refuses with GateClosedError listing every closed gate", async () => {
    const e = await gatesForPromotion(loadRepo(repo.root), "staging", {
      ...argo.env(),
      NGX_NOW: "2026-11-25T12:00:00Z",
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GateClosedError);
    const reasons = (e as GateClosedError).reasons;
    expect(reasons.map((r) => r.split(":")[0])).toEqual(["synced-healthy", "soak"]);
    expect(reasons[0]).toContain(`which does not carry version ${versionOf(V2)}`);
    expect((e as GateClosedError).message).toMatch(/^refusing to promote into staging: 2 gate\(s\) closed/);
    expect((e as GateClosedError).hint).toContain("--skip-gates --reason");
  });

  it("skips closed gates only with a reason, which becomes the PR note", async () => {
    const repoCfg = loadRepo(repo.root);
    await expect(gatesForPromotion(repoCfg, "staging", argo.env(), { skipGates: true })).rejects.toThrow(
      InputError,
    );
    const r = await gatesForPromotion(repoCfg, "staging", argo.env(), {
      skipGates: true,
      reason: "hotfix for incident 42",
    });
    expect(r.note).toMatch(
      /^⚠️ Gates skipped \(--skip-gates\): hotfix for incident 42 — closed at the time: synced-healthy: /,
    );
    expect(r.gates.some((g) => !g.open)).toBe(true);
    // the lookup promote uses refuses the rejected version
    expect(await r.rejected.findRejected("staging", V1)).toHaveLength(2);
    expect(await r.rejected.findRejected("staging", V2)).toEqual([]);
  });
});
