// The delivery metrics of one environment read from a ledger: its deployments, and those of the
// environments before it in the chain (where a version's first deployment, and so its first commit,
// can be); change starts are looked up only for the deployments that succeeded inside the window.
import type { Repo } from "../config/load.js";
import type { DeploymentRecord, Ledger } from "../ledger/types.js";
import { type DeliveryMetrics, deliveryMetrics, type Window } from "./dora.js";
import { type CommitClock, changeStarts } from "./lead-start.js";

export async function measureEnvironment(input: {
  readonly repo: Repo;
  readonly environment: string;
  readonly ledger: Pick<Ledger, "listDeployments" | "listRejections">;
  readonly clock: CommitClock;
  readonly window: Window;
}): Promise<DeliveryMetrics> {
  const { repo, environment, ledger, clock, window } = input;
  const all: DeploymentRecord[] = [];
  const upTo = repo.environments.slice(0, repo.environments.findIndex((e) => e.name === environment) + 1);
  for (const e of upTo) all.push(...(await ledger.listDeployments(e.name)));
  const own = all.filter((d) => d.environment === environment);
  const rejections = await ledger.listRejections();
  const measured = own.filter((d) => {
    const t = d.succeededAt ? Date.parse(d.succeededAt) : Number.NaN;
    return t >= window.since.getTime() && t < window.until.getTime();
  });
  const starts = await changeStarts(measured, all, clock);
  return deliveryMetrics({ environment, deployments: own, rejections, starts, window });
}
