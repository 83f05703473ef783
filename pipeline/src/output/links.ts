// Deep links, built in one place from environments/promotion.yaml (argocdUrl, and per environment
// `urls.argocd`, `urls.grafana`, `urls.rolloutsDashboard`): the Argo CD application, a resource node
// in it (a Rollout, an AnalysisRun), the Argo Rollouts dashboard, and the Grafana canary dashboard for
// one component, environment and time range. status, promotion and rollback pull requests, job
// summaries and deployment records all link through here. Pure.
//
// Facts these follow:
// - Argo CD UI, ui/src/app/applications/components/application-details/application-details.tsx:
//   the application page is /applications/<app namespace>/<name>; the `node` query parameter selects
//   a resource and is read by NodeInfo as "<group>/<kind>/<namespace>/<name>/<container index>" (the
//   first four parts are utils.tsx nodeKey(), the fifth a container index, 0 for a resource);
//   SelectNode writes the same form. `resource=` is the (empty) resource filter of the tree view.
// - Argo Rollouts dashboard (kubectl argo rollouts dashboard, served under /rollouts): a Rollout's
//   page is /rollouts/rollout/<namespace>/<name> (argo-rollouts server tests list that path as a UI
//   route, not an API one).
// - Grafana: /d/<uid>/<slug> opens a dashboard; `var-<name>=<value>` sets a template variable and
//   `from`/`to` take epoch milliseconds or relative times such as `now`.
import type { EnvironmentConfig, PromotionConfig } from "../config/schema.js";
import { mdText } from "./inert.js";

/** the canary comparison dashboard (environments/base/monitoring/dashboards/canary-comparison.json) */
export const CANARY_DASHBOARD = { uid: "ngx-canary", slug: "ngx-agents-canary" } as const;
/** Argo CD's own namespace, where the ApplicationSet creates the Applications */
export const ARGOCD_APP_NAMESPACE = "argocd";

export interface EnvironmentLinks {
  readonly environment: string;
  /** the Kubernetes namespace the overlay renders into */
  readonly namespace: string;
  readonly application: string;
  readonly argocd: string;
  readonly grafana?: string;
  readonly rolloutsDashboard?: string;
}

export interface ResourceId {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

const base = (url: string) => url.replace(/\/+$/, "");
/** a path segment or query value: encodeURIComponent, and the characters it leaves that end a Markdown link */
const enc = (s: string) =>
  encodeURIComponent(s).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function environmentLinks(config: PromotionConfig, env: EnvironmentConfig): EnvironmentLinks {
  const urls = env.urls ?? {};
  return {
    environment: env.name,
    namespace: env.namespace,
    application: env.argocdApplication,
    argocd: base(urls.argocd ?? config.argocdUrl),
    ...(urls.grafana ? { grafana: base(urls.grafana) } : {}),
    ...(urls.rolloutsDashboard ? { rolloutsDashboard: base(urls.rolloutsDashboard) } : {}),
  };
}

/** every environment's links by name */
export function linksByEnvironment(config: PromotionConfig): Readonly<Record<string, EnvironmentLinks>> {
  return Object.fromEntries(config.environments.map((e) => [e.name, environmentLinks(config, e)]));
}

export function applicationUrl(l: EnvironmentLinks): string {
  return `${l.argocd}/applications/${enc(ARGOCD_APP_NAMESPACE)}/${enc(l.application)}`;
}

/** the application page with one resource node selected */
export function resourceNodeUrl(l: EnvironmentLinks, r: ResourceId): string {
  const node = [r.group, r.kind, r.namespace, r.name, "0"].join("/");
  return `${applicationUrl(l)}?resource=&node=${enc(node)}`;
}

export function rolloutNodeUrl(l: EnvironmentLinks, rollout: string): string {
  return resourceNodeUrl(l, { group: "argoproj.io", kind: "Rollout", namespace: l.namespace, name: rollout });
}

export function analysisRunNodeUrl(l: EnvironmentLinks, analysisRun: string): string {
  return resourceNodeUrl(l, {
    group: "argoproj.io",
    kind: "AnalysisRun",
    namespace: l.namespace,
    name: analysisRun,
  });
}

export function rolloutsDashboardUrl(l: EnvironmentLinks, rollout: string): string | undefined {
  if (!l.rolloutsDashboard) return undefined;
  return `${l.rolloutsDashboard}/rollouts/rollout/${enc(l.namespace)}/${enc(rollout)}`;
}

export interface TimeRange {
  readonly from: Date;
  /** absent: up to now */
  readonly to?: Date;
}

/** the canary comparison dashboard for one component in one environment over the canary's time range */
export function grafanaCanaryUrl(
  l: EnvironmentLinks,
  component: string,
  range?: TimeRange,
): string | undefined {
  if (!l.grafana) return undefined;
  const q = [`var-component=${enc(component)}`, `var-environment=${enc(l.environment)}`];
  if (range) q.push(`from=${range.from.getTime()}`, `to=${range.to ? range.to.getTime() : "now"}`);
  return `${l.grafana}/d/${CANARY_DASHBOARD.uid}/${CANARY_DASHBOARD.slug}?${q.join("&")}`;
}

/** One deep link for people: a label and where it goes. */
export interface DeepLink {
  readonly label: string;
  readonly url: string;
}

/** The links of one Rollout: Argo CD node, Rollouts dashboard, Grafana canary panel. */
export function rolloutLinks(
  l: EnvironmentLinks,
  rollout: string,
  options: { analysisRun?: string; range?: TimeRange } = {},
): DeepLink[] {
  const links: DeepLink[] = [{ label: `Argo CD: Rollout ${rollout}`, url: rolloutNodeUrl(l, rollout) }];
  if (options.analysisRun)
    links.push({
      label: `Argo CD: AnalysisRun ${options.analysisRun}`,
      url: analysisRunNodeUrl(l, options.analysisRun),
    });
  const dash = rolloutsDashboardUrl(l, rollout);
  if (dash) links.push({ label: `Argo Rollouts dashboard: ${rollout}`, url: dash });
  const grafana = grafanaCanaryUrl(l, rollout, options.range);
  if (grafana)
    links.push({ label: `Grafana: canary vs stable, ${rollout} in ${l.environment}`, url: grafana });
  return links;
}

/** A deep link in Markdown: the label is foreign-safe text, the URL an angle-bracketed destination. */
export function markdownLink(link: DeepLink): string {
  return `[${mdText(link.label, 200)}](<${link.url.replace(/[<>\s]/g, (c) => encodeURIComponent(c))}>)`;
}

/**
 * A promotion's links: per component, its Rollout in the environment it comes from (where its canary
 * ran) with the Grafana canary panel there, then its Rollout in the environment it goes to.
 */
export function promotionLinks(
  config: PromotionConfig,
  from: EnvironmentConfig,
  to: EnvironmentConfig,
  components: readonly string[],
): DeepLink[] {
  const source = environmentLinks(config, from);
  const target = environmentLinks(config, to);
  return components.flatMap((c) => [
    ...rolloutLinks(source, c).map((l) => ({ ...l, label: `${from.name}: ${l.label}` })),
    { label: `${to.name}: Argo CD: Rollout ${c}`, url: rolloutNodeUrl(target, c) },
  ]);
}

/** A rollback's links: each failing Rollout (with the failed AnalysisRun) and its canary panel over the failure. */
export function rollbackLinks(
  config: PromotionConfig,
  env: EnvironmentConfig,
  options: { rollouts: readonly string[]; analysisRun?: string; range?: TimeRange },
): DeepLink[] {
  const l = environmentLinks(config, env);
  return [...new Set(options.rollouts)].flatMap((r, i) =>
    rolloutLinks(l, r, {
      ...(i === 0 && options.analysisRun ? { analysisRun: options.analysisRun } : {}),
      ...(options.range ? { range: options.range } : {}),
    }),
  );
}
