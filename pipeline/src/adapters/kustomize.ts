// The only place that runs kustomize. Prefers a `kustomize` binary on PATH, else `kubectl kustomize`;
// KUSTOMIZE_BIN overrides (a path to kustomize, or to kubectl). Requires kustomize ≥ 5.
import { execFile } from "node:child_process";
import { basename } from "node:path";
import { promisify } from "node:util";
import { ConfigError, InputError } from "../errors.js";

const run = promisify(execFile);
const MIN_MAJOR = 5;
const INSTALL_HINT =
  "install kustomize ≥ 5 (https://kubectl.docs.kubernetes.io/installation/kustomize/) or kubectl ≥ 1.27, or set KUSTOMIZE_BIN to its path";

export interface Kustomize {
  /** e.g. "kustomize v5.5.0" or "kubectl kustomize v5.5.0" */
  readonly description: string;
  readonly version: string;
  /** renders the kustomization in `dir` and returns the multi-document YAML */
  build(dir: string): Promise<string>;
}

interface Tool {
  readonly command: string;
  readonly prefix: readonly string[];
  readonly label: string;
}

async function tryVersion(tool: Tool): Promise<string | undefined> {
  try {
    if (tool.prefix.length === 0) {
      const { stdout } = await run(tool.command, ["version"], { timeout: 15_000 });
      return /v?(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
    }
    const { stdout } = await run(tool.command, ["version", "--client", "-o", "json"], { timeout: 15_000 });
    const parsed = JSON.parse(stdout) as { kustomizeVersion?: string };
    return /v?(\d+\.\d+\.\d+)/.exec(parsed.kustomizeVersion ?? "")?.[1];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return undefined;
  }
}

function candidates(env: NodeJS.ProcessEnv): Tool[] {
  const override = env.KUSTOMIZE_BIN;
  if (override) {
    const isKubectl = basename(override).startsWith("kubectl");
    return [
      {
        command: override,
        prefix: isKubectl ? ["kustomize"] : [],
        label: isKubectl ? `${override} kustomize` : override,
      },
    ];
  }
  return [
    { command: "kustomize", prefix: [], label: "kustomize" },
    { command: "kubectl", prefix: ["kustomize"], label: "kubectl kustomize" },
  ];
}

let cached: Promise<Kustomize> | undefined;
let cachedKey: string | undefined;

/** Finds a usable kustomize (memoised per KUSTOMIZE_BIN value). */
export function findKustomize(env: NodeJS.ProcessEnv = process.env): Promise<Kustomize> {
  const key = env.KUSTOMIZE_BIN ?? "";
  if (!cached || cachedKey !== key) {
    cachedKey = key;
    cached = locate(env);
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

async function locate(env: NodeJS.ProcessEnv): Promise<Kustomize> {
  const tried: string[] = [];
  for (const tool of candidates(env)) {
    const version = await tryVersion(tool);
    if (!version) {
      tried.push(tool.label);
      continue;
    }
    const major = Number(version.split(".")[0]);
    if (major < MIN_MAJOR) {
      throw new ConfigError(
        `${tool.label} is kustomize v${version}; ngx-release needs kustomize ≥ ${MIN_MAJOR}`,
        {
          hint: INSTALL_HINT,
        },
      );
    }
    return {
      description: `${tool.label} v${version}`,
      version,
      build: (dir) => build(tool, dir),
    };
  }
  throw new ConfigError(`kustomize not found (tried ${tried.join(", ")})`, { hint: INSTALL_HINT });
}

async function build(tool: Tool, dir: string): Promise<string> {
  try {
    const { stdout } = await run(
      tool.command,
      tool.prefix.length === 0 ? ["build", dir] : [...tool.prefix, dir],
      {
        maxBuffer: 256 * 1024 * 1024,
        timeout: 120_000,
      },
    );
    return stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    const detail = (err.stderr ?? err.message).trim().split("\n").slice(-3).join(" ");
    throw new InputError(`kustomize build ${dir} failed: ${detail}`, { cause: e });
  }
}

const MEMOISED = Symbol("memoised");

/**
 * The same kustomize, rendering each directory once: a run (`validate`, `plan`) asks for the root
 * kustomization as a tree and as the bootstrap, and for a shared source (rollouts/notifications) once
 * per environment; those asks share one child process. Only for one run: files must not change under it.
 */
export function renderOnce(kustomize: Kustomize): Kustomize {
  if ((kustomize as { [MEMOISED]?: true })[MEMOISED]) return kustomize;
  const builds = new Map<string, Promise<string>>();
  return {
    description: kustomize.description,
    version: kustomize.version,
    build(dir) {
      let yaml = builds.get(dir);
      if (!yaml) {
        yaml = kustomize.build(dir);
        builds.set(dir, yaml);
      }
      return yaml;
    },
    [MEMOISED]: true,
  } as Kustomize;
}
