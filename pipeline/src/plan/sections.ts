// The sections of `ngx-release plan`. Each section looks at what the plan gathered and says
// something about the release chain; to add one (gate results, open promotion PRs, canary steps …)
// write a PlanSection and add it to `defaultSections` where it should appear.

import type { Kustomize } from "../adapters/kustomize.js";
import { canarySteps, formatCanarySteps, rollouts } from "../analysis/templates.js";
import type { Repo } from "../config/load.js";
import { findingsTable } from "../manifests/findings.js";
import type { K8sObject } from "../manifests/render.js";
import type { ValidationReport } from "../manifests/validate.js";
import { table } from "../output/format.js";
import { type EnvironmentImages, type Promotion, version } from "./images.js";
import { gatesSection, renderedDiffSection } from "./promotion-sections.js";

/** "sha256:0123456789ab…" for people (JSON keeps the full digest). */
export function short(v: string | undefined): string | undefined {
  return v?.replace(/sha256:([0-9a-f]{12})[0-9a-f]{52}/, "sha256:$1…");
}

/** "1.4.2 @0123456789ab" (the tag people know, the digest short), "@0123456789ab" without a tag */
export function readable(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const at = v.indexOf("@sha256:");
  const digest = (d: string) => `@${d.replace(/^sha256:/, "").slice(0, 12)}`;
  if (at > 0) return `${v.slice(0, at)} ${digest(v.slice(at + 1))}`;
  return v.startsWith("sha256:") ? digest(v) : v;
}

/** What every section can read; sections may also fetch more (lazily importing adapters). */
export interface PlanContext {
  readonly repo: Repo;
  readonly validation: ValidationReport;
  /** rendered objects per environment (absent when the environment did not render) */
  readonly rendered: ReadonlyMap<string, readonly K8sObject[]>;
  /** images per environment, in promotion order (an environment whose overlay failed to parse is absent) */
  readonly images: readonly EnvironmentImages[];
  /** along the promotion order: dev → staging, staging → production … */
  readonly promotions: readonly Promotion[];
  readonly env: NodeJS.ProcessEnv;
  /** the run's kustomize: each directory rendered once, shared by validation and the sections */
  readonly kustomize: Kustomize;
}

export interface SectionResult {
  readonly id: string;
  readonly title: string;
  /** false makes `plan` exit 1 */
  readonly ok: boolean;
  /** a word for the header instead of ok/FAILED when the section reports without failing (e.g. CLOSED) */
  readonly label?: string;
  /** human text (a table or a few lines) */
  readonly text: string;
  /** what `--json` shows under sections.<id> */
  readonly data: unknown;
}

export interface PlanSection {
  readonly id: string;
  readonly title: string;
  build(ctx: PlanContext): SectionResult | Promise<SectionResult>;
}

export const validationSection: PlanSection = {
  id: "validation",
  title: "Validation",
  build({ validation }) {
    const lines = validation.environments.map(
      (e) =>
        `${e.env}: ${e.rendered ? `${e.objects} objects` : "render failed"}, ${e.findings.length === 0 ? "ok" : `${e.findings.length} findings`}`,
    );
    const text = validation.ok
      ? lines.join("\n")
      : `${lines.join("\n")}\n\n${findingsTable(validation.findings)}`;
    return { id: "validation", title: "Validation", ok: validation.ok, text, data: validation };
  },
};

export const imagesSection: PlanSection = {
  id: "images",
  title: "Images per environment",
  build({ images }) {
    const rows = images.flatMap((e) =>
      e.images.length === 0
        ? [[e.env, "(none)", `no images: block in ${e.file}`, ""]]
        : e.images.map((i) => [e.env, i.component, readable(version(i)) ?? "(no tag or digest)", i.image]),
    );
    return {
      id: "images",
      title: "Images per environment",
      ok: true,
      text: table(["ENV", "COMPONENT", "VERSION", "IMAGE"], rows),
      data: images,
    };
  },
};

export const promotionsSection: PlanSection = {
  id: "promotions",
  title: "What the next promotions would change",
  build({ promotions, repo }) {
    if (promotions.length === 0) {
      return {
        id: "promotions",
        title: "What the next promotions would change",
        ok: true,
        text: `only one environment (${repo.environments[0]?.name}): nothing to promote; add the next one to environments/promotion.yaml`,
        data: promotions,
      };
    }
    const blocks = promotions.map((p) => {
      if (p.changes.length === 0) return `${p.from} → ${p.to}: nothing to promote (same images)`;
      const rows = p.changes.map((c) => [
        c.component,
        readable(c.from) ?? "(unset)",
        readable(c.to) ?? "(unset)",
        c.note ?? "",
      ]);
      return `${p.from} → ${p.to}: ${p.changes.length} image(s) would change\n${table(["COMPONENT", `NOW IN ${p.to.toUpperCase()}`, `FROM ${p.from.toUpperCase()}`, "NOTE"], rows)}`;
    });
    return {
      id: "promotions",
      title: "What the next promotions would change",
      ok: true,
      text: blocks.join("\n\n"),
      data: promotions,
    };
  },
};

export const canarySection: PlanSection = {
  id: "canary",
  title: "Canary steps per environment",
  build({ repo, rendered }) {
    const data = repo.environments.map((env) => {
      const objects = rendered.get(env.name) ?? [];
      const byStrategy = new Map<string, string[]>();
      for (const r of rollouts(objects)) {
        const steps = formatCanarySteps(canarySteps(r));
        byStrategy.set(steps, [...(byStrategy.get(steps) ?? []), r.metadata.name]);
      }
      return {
        env: env.name,
        rendered: rendered.has(env.name),
        strategies: [...byStrategy].map(([steps, names]) => ({ steps, rollouts: names })),
      };
    });
    const rows = data.flatMap((d) =>
      !d.rendered
        ? [[d.env, "(did not render)", ""]]
        : d.strategies.length === 0
          ? [[d.env, "(no Rollouts)", ""]]
          : d.strategies.map((s) => [d.env, s.steps, s.rollouts.join(", ")]),
    );
    return {
      id: "canary",
      title: "Canary steps per environment",
      ok: true,
      text: table(["ENV", "STEPS", "ROLLOUTS"], rows),
      data,
    };
  },
};

/**
 * Open promotion, release, rollback and backup-schedule pull requests: from GitHub with a token,
 * else the local checkout's records. Unreachable forge → a note, not a failure (plan uses what it can reach).
 */
export const pullRequestsSection: PlanSection = {
  id: "pull-requests",
  title: "Open pull requests of the release chain",
  async build({ repo, env }) {
    const title = "Open pull requests of the release chain";
    try {
      const { createForge } = await import("../adapters/forge-factory.js");
      const { listOpenPromotionPullRequests } = await import("../promotion/promote.js");
      const forge = await createForge(env, repo);
      const open = await listOpenPromotionPullRequests(forge, repo.config.baseBranch);
      const source = forge.kind === "local" ? "local checkout (no GITHUB_TOKEN)" : "GitHub";
      const data = open.map(({ branch, pullRequest }) => ({
        branch: branch.toString(),
        number: pullRequest.number,
        title: pullRequest.title,
        url: pullRequest.url,
      }));
      const text =
        data.length === 0
          ? `none open (${source})`
          : `${table(
              ["BRANCH", "PR", "TITLE"],
              data.map((d) => [d.branch, `#${d.number}${d.url ? ` ${d.url}` : ""}`, d.title]),
            )}\n(${source})`;
      return { id: "pull-requests", title, ok: true, text, data };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return {
        id: "pull-requests",
        title,
        ok: true,
        text: `could not list pull requests: ${message}`,
        data: { error: message },
      };
    }
  },
};

/** The sections `plan` shows, in order. Later features add theirs here. */
export const defaultSections: readonly PlanSection[] = [
  validationSection,
  imagesSection,
  promotionsSection,
  renderedDiffSection,
  gatesSection,
  canarySection,
  pullRequestsSection,
];
