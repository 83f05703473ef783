// Loads environments/promotion.yaml and discovers overlays (environments/*/kustomization.yaml,
// except base and components). Every error names the file and the field.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, InputError } from "../errors.js";
import { type EnvironmentConfig, type PromotionConfig, promotionConfigSchema } from "./schema.js";
import { yamlData } from "./yaml-data.js";

export const CONFIG_PATH = "environments/promotion.yaml";
const NOT_ENVIRONMENTS = new Set(["base", "components"]);

export interface Repo {
  /** absolute path of the repository root */
  readonly root: string;
  readonly config: PromotionConfig;
  /** environments in promotion order */
  readonly environments: readonly EnvironmentConfig[];
}

/** Overlay folders that exist on disk, sorted by name (order comes from the config). */
export function discoverOverlays(root: string): string[] {
  const dir = join(root, "environments");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !NOT_ENVIRONMENTS.has(d.name))
    .filter((d) => existsSync(join(dir, d.name, "kustomization.yaml")))
    .map((d) => d.name)
    .sort();
}

export function overlayDir(root: string, env: string): string {
  return join(root, "environments", env);
}

export function loadRepo(root: string): Repo {
  const file = join(root, CONFIG_PATH);
  if (!existsSync(file)) {
    throw new ConfigError(`${CONFIG_PATH} not found in ${root}`, {
      file: CONFIG_PATH,
      hint: "run ngx-release from the repository root (or pass --repo <dir>); the file lists the environments in promotion order",
    });
  }
  const doc = parseDocument(readFileSync(file, "utf8"), { prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new ConfigError(`${CONFIG_PATH}: invalid YAML: ${first?.message}`, {
      file: CONFIG_PATH,
      cause: first,
    });
  }
  const parsed = promotionConfigSchema.safeParse(yamlData(doc, CONFIG_PATH));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(top level)";
    const unknown = issue?.code === "unrecognized_keys" ? ` (${issue.keys.join(", ")})` : "";
    throw new ConfigError(`${CONFIG_PATH}: field ${field}: ${issue?.message}${unknown}`, {
      file: CONFIG_PATH,
      field,
      cause: parsed.error,
    });
  }
  const config = parsed.data;
  const names = config.environments.map((e) => e.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) {
    throw new ConfigError(`${CONFIG_PATH}: environment "${dup}" is listed twice`, {
      file: CONFIG_PATH,
      field: "environments",
    });
  }
  const onDisk = discoverOverlays(root);
  for (const [i, env] of config.environments.entries()) {
    if (!onDisk.includes(env.name)) {
      throw new ConfigError(
        `${CONFIG_PATH}: environments[${i}].name "${env.name}" has no overlay (environments/${env.name}/kustomization.yaml is missing)`,
        { file: CONFIG_PATH, field: `environments.${i}.name` },
      );
    }
  }
  // the load-test gate reads runs of the environment before: without its loadTest: none can exist
  for (const [i, env] of config.environments.entries()) {
    const before = config.environments[i - 1];
    if (env.gates.includes("load-test") && !before?.loadTest) {
      throw new ConfigError(
        `${CONFIG_PATH}: environments[${i}].gates lists load-test, but ${before ? `the environment before it, "${before.name}", has no loadTest: block` : `"${env.name}" is the first environment`} (the gate needs load tests run there)`,
        { file: CONFIG_PATH, field: `environments.${i}.gates`, hint: "docs/load-testing.md" },
      );
    }
  }
  const unlisted = onDisk.filter((d) => !names.includes(d));
  if (unlisted.length > 0) {
    throw new ConfigError(
      `overlay environments/${unlisted[0]} is not listed in ${CONFIG_PATH} (listed: ${names.join(", ")})`,
      { file: CONFIG_PATH, field: "environments", hint: "add it to environments: in promotion order" },
    );
  }
  return { root, config, environments: config.environments };
}

/** Looks an environment up by name; an unknown name is an InputError listing the valid ones. */
export function environmentByName(repo: Repo, name: string): EnvironmentConfig {
  const env = repo.environments.find((e) => e.name === name);
  if (!env) {
    throw new InputError(
      `unknown environment "${name}" (valid: ${repo.environments.map((e) => e.name).join(", ")})`,
    );
  }
  return env;
}

/** The environment after `name` in promotion order, if any. */
export function nextEnvironment(repo: Repo, name: string): EnvironmentConfig | undefined {
  const i = repo.environments.findIndex((e) => e.name === name);
  return i >= 0 ? repo.environments[i + 1] : undefined;
}

export function previousEnvironment(repo: Repo, name: string): EnvironmentConfig | undefined {
  const i = repo.environments.findIndex((e) => e.name === name);
  return i > 0 ? repo.environments[i - 1] : undefined;
}

export function relativeToRoot(repo: Repo, path: string): string {
  return relative(repo.root, path);
}
