// Canary step weights as the Argo Rollouts controller checks them. Facts (argoproj/argo-rollouts
// pkg/apis/rollouts/validation/validation.go, ValidateRolloutStrategyCanary): every
// spec.strategy.canary.steps[i].setWeight must lie between 0 and the rollout's maximum traffic
// weight (utils/weightutil MaxTrafficWeight: trafficRouting.maxTrafficWeight when set, else 100),
// otherwise the Rollout is InvalidSpec ("SetWeight needs to be between 0 and %d") and never
// progresses. The CRD's schema only says "integer", so the schema check alone lets 150 through.
import { type Finding, finding } from "./findings.js";
import type { K8sObject } from "./render.js";

type Canary = {
  steps?: unknown;
  trafficRouting?: { maxTrafficWeight?: unknown };
};

export function checkCanaryWeights(env: string, o: K8sObject): Finding[] {
  if (o.kind !== "Rollout" || !o.apiVersion?.startsWith("argoproj.io/")) return [];
  const canary = (o.spec as { strategy?: { canary?: Canary } } | undefined)?.strategy?.canary;
  if (!canary || !Array.isArray(canary.steps)) return [];
  const configured = canary.trafficRouting?.maxTrafficWeight;
  const max = typeof configured === "number" ? configured : 100;
  const site = { env, object: `Rollout/${o.metadata?.name ?? "?"}` };
  const out: Finding[] = [];
  canary.steps.forEach((step: unknown, i: number) => {
    const weight = (step as { setWeight?: unknown } | null)?.setWeight;
    if (typeof weight === "number" && (weight < 0 || weight > max)) {
      out.push(
        finding(
          site,
          `spec.strategy.canary.steps[${i}].setWeight`,
          "rollout/set-weight",
          `setWeight ${weight} is outside 0-${max}: Argo Rollouts marks the Rollout InvalidSpec and it never progresses`,
          `use a percentage of traffic between 0 and ${max}${typeof configured === "number" ? " (trafficRouting.maxTrafficWeight)" : ""}`,
        ),
      );
    }
  });
  return out;
}
