// The promotion configuration (environments/promotion.yaml): the order of environments and the
// per-environment settings that promotion, gates, rollback and backups read. Validated strictly:
// an unknown field is an error naming the file and field. Editors get the same rules from
// environments/promotion.schema.json, generated from this file: run `npm run schema` after a change.
import { z } from "zod";
import { FINE_UNITS, isHumanDuration } from "../time/duration.js";
import { isKnownTimeZone, parseCron } from "./cron.js";

/** the human duration grammar of time/duration.ts (not Go's: "1d" is fine here) */
const duration = z.string().refine((s) => isHumanDuration(s), 'a duration such as "30m", "4h" or "1d"');

export const gateNames = [
  "synced-healthy",
  "rollout-complete",
  "soak",
  "analysis",
  "not-rejected",
  "backup-fresh",
  "freeze",
  "google-signals",
  "load-test",
] as const;
export type GateName = (typeof gateNames)[number];

const freezeWindow = z.strictObject({
  /** a cron expression for when the freeze starts, e.g. "0 18 * * 5" (Friday 18:00); config/cron.ts grammar */
  start: z
    .string()
    .min(1)
    .superRefine((start, ctx) => {
      const parsed = parseCron(start);
      if (typeof parsed === "string")
        ctx.addIssue({ code: "custom", message: `${JSON.stringify(start)}: ${parsed}` });
    }),
  /** how long it lasts from each start */
  duration,
  timezone: z
    .string()
    .superRefine((tz, ctx) => {
      if (!isKnownTimeZone(tz)) {
        const message = `unknown time zone ${JSON.stringify(tz)} (expected a tz database name such as "Europe/Madrid" or "UTC")`;
        ctx.addIssue({ code: "custom", message });
      }
    })
    .default("UTC"),
  reason: z.string().default("change freeze"),
});

/** a Google Cloud project id: 6-30 lower-case letters, digits and hyphens, starting with a letter */
const googleCloudProject = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
    "a Google Cloud project id (6-30 lower-case letters, digits and hyphens, starting with a letter)",
  );

/**
 * Limits of the google-signals gate (gates/google-signals.ts), set on the environment promoted INTO and
 * about the environment before it; every field has its default here and nowhere else.
 */
export const googleSignalsSchema = z
  .strictObject({
    /** how far back Cloud Monitoring is read */
    window: duration.default("30m"),
    /**
     * where Vertex AI's error rate is read: `publisher` = publisher models called directly (Gemini:
     * publisher/online_serving/model_invocation_count, failed = response_code not 2xx); `endpoint` =
     * models deployed to a Vertex AI endpoint (prediction/online/error_count ÷ prediction_count)
     */
    vertexAiSource: z.enum(["publisher", "endpoint"]).default("publisher"),
    /** publisher only: the model (resource label model_user_id, e.g. gemini-2.5-flash); default: every publisher model */
    vertexAiModel: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.@-]*$/i, "a Vertex AI publisher model id such as gemini-2.5-flash")
      .optional(),
    /** Vertex AI failed ÷ all invocations (publisher) or errors ÷ predictions (endpoint) must not exceed this (0.02 = 2 %) */
    maxVertexAiErrorRate: z.number().min(0).max(1).default(0.02),
    /** fewer invocations/predictions than this in the window is not enough evidence: closed (0 accepts no traffic) */
    minVertexAiPredictions: z.number().int().min(0).default(1),
    /** endpoint only: this Vertex AI endpoint (resource label endpoint_id); default: every endpoint of the project */
    vertexAiEndpoint: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/i, "a Vertex AI endpoint id (letters, digits, dashes)")
      .optional(),
    /** the Cloud SQL instance name (Cloud Monitoring database_id = "<project>:<instance>") */
    cloudSqlInstance: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, "a Cloud SQL instance name (lower-case letters, digits, dashes)")
      .default("ngx-agents"),
    /** share of cloudsql.googleapis.com/database/up samples that must be up in the window (1 = all) */
    minCloudSqlUptime: z.number().min(0).max(1).default(1),
  })
  .superRefine((g, ctx) => {
    // a field the chosen source never reads would be silently ignored: refuse it instead
    if (g.vertexAiSource === "publisher" && g.vertexAiEndpoint !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["vertexAiEndpoint"],
        message:
          "only read with vertexAiSource: endpoint (the default source, publisher, filters on vertexAiModel)",
      });
    }
    if (g.vertexAiSource === "endpoint" && g.vertexAiModel !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["vertexAiModel"],
        message: "only read with vertexAiSource: publisher (endpoint filters on vertexAiEndpoint)",
      });
    }
  });
export type GoogleSignalsConfig = z.infer<typeof googleSignalsSchema>;

/** a duration with milliseconds allowed: "500ms", "30s", "5m", "1h" (loadTest: fields) */
const fineDuration = z
  .string()
  .refine((s) => isHumanDuration(s, FINE_UNITS), 'a duration such as "500ms", "30s", "5m" or "1h"');

/**
 * `ngx-release loadtest <env>` (docs/load-testing.md): where the load goes, its profile and the SLOs.
 * Every field has its default here and nowhere else; loadtest/profile.ts checks the rest (caps).
 */
export const loadTestSchema = z.strictObject({
  /** the environment's public entry point (the API gateway behind the Ingress); never anything else */
  url: z
    .string()
    .regex(/^https?:\/\/[^\s/?#]+[^\s?#]*$/i, "an http:// or https:// URL without query or fragment"),
  /** requests per second held after the ramp (constant arrival rate, open model) */
  rate: z.number().positive(),
  /** time to reach `rate`, in rampSteps equal steps (0s: start at full rate) */
  ramp: fineDuration.default("1m"),
  rampSteps: z.number().int().min(1).max(20).default(4),
  /** time `rate` is held after the ramp */
  duration: fineDuration.default("5m"),
  /** ramp + duration (and --duration) may not exceed this */
  maxDuration: fineDuration.default("30m"),
  /** a request without a complete answer after this counts as an error */
  timeout: fineDuration.default("10s"),
  /** open connections at most; requests beyond wait (and that wait counts in their latency) */
  maxConnections: z.number().int().min(1).max(10_000).default(512),
  /** the request mix: paths under url, chosen in proportion to weight */
  mix: z
    .array(
      z.strictObject({
        path: z.string().regex(/^\/[^\s#]*$/, 'a path starting with "/"'),
        method: z.enum(["GET", "HEAD", "POST"]).default("GET"),
        weight: z.number().positive().default(1),
        /** POST only: the JSON body sent */
        body: z.string().optional(),
      }),
    )
    .min(1),
  /** the SLOs (seed alerts HighLatency and HighErrorRate): p95 latency and error share must stay below */
  slo: z
    .strictObject({ p95: fineDuration.default("2s"), errorRate: z.number().min(0).max(1).default(0.05) })
    .default({ p95: "2s", errorRate: 0.05 }),
  /** how long a passed result opens the load-test gate into the next environment */
  validFor: fineDuration.default("24h"),
  /** --find-capacity: from `rate`, add `step` req/s every stepDuration until an SLO breaks or maxRate */
  capacity: z
    .strictObject({
      step: z.number().positive().optional(),
      stepDuration: fineDuration.default("1m"),
      maxRate: z.number().positive().optional(),
    })
    .default({ stepDuration: "1m" }),
});
export type LoadTestConfig = z.infer<typeof loadTestSchema>;

const environment = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
  /** Argo CD Application name generated by the ApplicationSet for this environment */
  argocdApplication: z.string().min(1),
  /** Kubernetes namespace the overlay renders into */
  namespace: z.string().min(1),
  /** images in this environment must be pinned by sha256 digest */
  requireDigests: z.boolean().default(false),
  /** how `release` (first environment) and `promote` (others) write: a pull request, or a direct commit */
  write: z.enum(["pull-request", "commit"]).default("pull-request"),
  /** gates evaluated before promoting INTO this environment (about the environment before it) */
  gates: z.array(z.enum(gateNames)).default([]),
  /** how long the previous environment must have been healthy before promoting into this one */
  soak: duration.default("0m"),
  freezeWindows: z.array(freezeWindow).default([]),
  /** the Google Cloud project this environment runs in (Cloud Monitoring; else GOOGLE_CLOUD_PROJECT) */
  googleCloudProject: googleCloudProject.optional(),
  /** limits of the google-signals gate for promoting into this environment (defaults when absent) */
  googleSignals: googleSignalsSchema.optional(),
  /** `ngx-release loadtest <env>`: entry URL, load profile, SLOs (docs/load-testing.md) */
  loadTest: loadTestSchema.optional(),
  /** where people look at this environment; output/links.ts builds every deep link from these */
  urls: z
    .strictObject({
      /** this environment's Argo CD UI (default: the top-level argocdUrl) */
      argocd: z.url().optional(),
      /** Grafana with the canary dashboard (uid ngx-canary); no Grafana links without it */
      grafana: z.url().optional(),
      /** the Argo Rollouts dashboard (served under /rollouts); no dashboard links without it */
      rolloutsDashboard: z.url().optional(),
    })
    .optional(),
  rollback: z
    .strictObject({
      /** merge the rollback PR automatically: never, always, or only when a failed analysis triggered it */
      autoMerge: z.enum(["never", "always", "on-analysis-failure"]).default("never"),
    })
    .default({ autoMerge: "never" }),
  backup: z
    .strictObject({
      /** CronJob (in the rendered overlay) that exports the database */
      cronJob: z.string().min(1),
      /** recovery point objective: the newest successful backup must be younger */
      rpo: duration.default("24h"),
      /** the production promotion workflow runs a backup first when the last one is older than this */
      maxAgeBeforeRelease: duration.default("12h"),
      /** how long `backup run` waits for the Job */
      timeout: duration.default("30m"),
    })
    .optional(),
});

/** One allowlist entry: "host[:port][/repository/path/prefix]" (promotion/registries.ts matches it). */
const allowedRegistry = z
  .string()
  .regex(
    /^(?:localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)+|[a-z0-9-]+(?:\.[a-z0-9-]+)*:\d+)(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/,
    'a registry host and optional repository path prefix, lower-case, without scheme, tag or trailing "/" (e.g. "us-central1-docker.pkg.dev/ngx-agents/ngx", "docker.io/library/redis")',
  );

export const promotionConfigSchema = z.strictObject({
  /** Argo CD UI/API base used for links, e.g. https://argocd.example.com */
  argocdUrl: z.url(),
  /** GitHub repository "owner/name", used for links when GITHUB_REPOSITORY is not set */
  repository: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, '"owner/name"')
    .optional(),
  /** the base branch promotions and rollbacks target */
  baseBranch: z.string().default("main"),
  /**
   * registries images may come from (release, promote, rollback, validate; the cluster's
   * ValidatingAdmissionPolicy holds the same list): host compared exactly, path as a prefix
   * ending at a "/". Absent: no restriction.
   */
  allowedRegistries: z.array(allowedRegistry).min(1).optional(),
  /**
   * the GitHub login that writes the deployment ledger: the release App's "<app-slug>[bot]" (or the
   * RELEASE_PAT's user). Ledger records created by anyone else are ignored and reported
   * (docs/security.md). Absent: every record is trusted.
   */
  pipelineIdentity: z
    .string()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/, 'a GitHub login, e.g. "ngx-release[bot]"')
    .optional(),
  /** environments in promotion order: the first receives `release`, each next one `promote` */
  environments: z.array(environment).min(1),
  /** `validate`/`plan`: kinds accepted without a schema ("apiVersion/Kind" or "Kind"), see docs/validation.md */
  validation: z
    .strictObject({ allowKinds: z.array(z.string().min(1)).default([]) })
    .default({ allowKinds: [] }),
});

export type PromotionConfig = z.infer<typeof promotionConfigSchema>;
export type EnvironmentConfig = z.infer<typeof environment>;
