// The ledger without GitHub: one JSON file in the repository's git directory (.git/ngx-ledger.json),
// never in the working tree, so recording a deployment does not change what Argo CD syncs. Writes go
// through a temporary file and a rename, so a crash never leaves half a file.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { promisify } from "node:util";
import { ConfigError } from "../errors.js";
import type { ImageEntry } from "../promotion/images.js";
import { type Clock, systemClock } from "../time/clock.js";
import {
  type DeploymentRecord,
  type DeploymentStatusEntry,
  type Ledger,
  type LoadTestRecord,
  type NewDeployment,
  type NewLoadTestRecord,
  type NewStatus,
  type Rejection,
  withStatuses,
} from "./types.js";

const run = promisify(execFile);
export const LOCAL_LEDGER_FILE = "ngx-ledger.json";

interface StoredDeployment {
  id: string;
  environment: string;
  sha: string;
  version: string;
  images: ImageEntry[];
  createdAt: string;
  description?: string;
  statuses: DeploymentStatusEntry[];
}

interface Stored {
  version: 1;
  nextId: number;
  deployments: StoredDeployment[];
  /** append-only log of reject/unreject decisions */
  rejections: Rejection[];
  /** load test results, oldest first (absent in files written before load tests existed) */
  loadTests?: LoadTestRecord[];
}

/** the git directory shared by all worktrees of the checkout at `root` */
export async function gitCommonDir(root: string): Promise<string> {
  try {
    const { stdout } = await run("git", ["rev-parse", "--git-common-dir"], { cwd: root });
    const dir = stdout.trim();
    return isAbsolute(dir) ? dir : join(root, dir);
  } catch (e) {
    throw new ConfigError(`${root} is not a git checkout: the local deployment ledger lives in .git/`, {
      cause: e,
      hint: "run ngx-release inside the repository clone, or set GITHUB_TOKEN to use GitHub Deployments",
    });
  }
}

export class LocalLedger implements Ledger {
  readonly kind = "local" as const;
  constructor(
    readonly file: string,
    private readonly clock: Clock = systemClock,
  ) {}

  static async open(root: string, clock?: Clock): Promise<LocalLedger> {
    return new LocalLedger(join(await gitCommonDir(root), LOCAL_LEDGER_FILE), clock);
  }

  private load(): Stored {
    if (!existsSync(this.file)) return { version: 1, nextId: 1, deployments: [], rejections: [] };
    try {
      return JSON.parse(readFileSync(this.file, "utf8")) as Stored;
    } catch (e) {
      throw new ConfigError(`${this.file}: the local deployment ledger is not valid JSON`, {
        file: this.file,
        cause: e,
        hint: "restore it from a backup or delete it (the history it held is lost)",
      });
    }
  }

  private save(data: Stored): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
    renameSync(tmp, this.file);
  }

  private now(): string {
    return this.clock().toISOString();
  }

  async recordDeployment(input: NewDeployment): Promise<DeploymentRecord> {
    const data = this.load();
    const stored: StoredDeployment = {
      id: `local-${data.nextId}`,
      environment: input.environment,
      sha: input.sha,
      version: input.version,
      images: [...input.images],
      createdAt: this.now(),
      ...(input.description ? { description: input.description } : {}),
      statuses: [],
    };
    data.nextId += 1;
    data.deployments.push(stored);
    this.save(data);
    return toRecord(stored);
  }

  async setStatus(deploymentId: string, status: NewStatus): Promise<void> {
    const data = this.load();
    const d = data.deployments.find((x) => x.id === deploymentId);
    if (!d) throw new ConfigError(`${this.file}: no deployment ${deploymentId} in the local ledger`);
    d.statuses.push({
      state: status.state,
      createdAt: this.now(),
      ...(status.description ? { description: status.description } : {}),
      ...(status.environmentUrl ? { environmentUrl: status.environmentUrl } : {}),
      ...(status.logUrl ? { logUrl: status.logUrl } : {}),
    });
    this.save(data);
  }

  async listDeployments(
    environment: string,
    options: { limit?: number } = {},
  ): Promise<readonly DeploymentRecord[]> {
    const list = this.load()
      .deployments.filter((d) => d.environment === environment)
      .map(toRecord)
      .sort(newestFirst);
    return options.limit ? list.slice(0, options.limit) : list;
  }

  async reject(input: {
    version: string;
    reason: string;
    environment?: string;
    images?: readonly ImageEntry[];
  }): Promise<void> {
    const data = this.load();
    data.rejections.push({
      version: input.version,
      rejected: true,
      reason: input.reason,
      at: this.now(),
      ...(input.environment ? { environment: input.environment } : {}),
      ...(input.images ? { images: [...input.images] } : {}),
    });
    this.save(data);
  }

  async unreject(input: { version: string; reason: string }): Promise<void> {
    const data = this.load();
    data.rejections.push({ version: input.version, rejected: false, reason: input.reason, at: this.now() });
    this.save(data);
  }

  async listRejections(): Promise<readonly Rejection[]> {
    return latestDecisions(this.load().rejections);
  }

  async recordLoadTest(input: NewLoadTestRecord): Promise<LoadTestRecord> {
    const data = this.load();
    const list = data.loadTests ?? [];
    const record: LoadTestRecord = { id: `local-lt-${list.length + 1}`, ...input };
    data.loadTests = [...list, record];
    this.save(data);
    return record;
  }

  async listLoadTests(
    environment: string,
    options: { limit?: number } = {},
  ): Promise<readonly LoadTestRecord[]> {
    const list = (this.load().loadTests ?? [])
      .filter((r) => r.environment === environment)
      .reverse()
      .sort((a, b) => b.at.localeCompare(a.at));
    return options.limit ? list.slice(0, options.limit) : list;
  }
}

/** the latest decision per version from an append-only log (oldest first) */
export function latestDecisions(log: readonly Rejection[]): Rejection[] {
  const byVersion = new Map<string, Rejection>();
  for (const r of log) {
    const earlier = byVersion.get(r.version);
    // keep what the rejection knew about the version (environment, images) across an unreject
    byVersion.set(r.version, {
      ...(earlier?.environment ? { environment: earlier.environment } : {}),
      ...(earlier?.images ? { images: earlier.images } : {}),
      ...r,
    });
  }
  return [...byVersion.values()];
}

function toRecord(d: StoredDeployment): DeploymentRecord {
  const { statuses, ...base } = d;
  return withStatuses(base, statuses);
}

/** newest first; ties (same millisecond) broken by the numeric id */
export function newestFirst(a: DeploymentRecord, b: DeploymentRecord): number {
  const byTime = b.createdAt.localeCompare(a.createdAt);
  if (byTime !== 0) return byTime;
  return idNumber(b.id) - idNumber(a.id);
}

function idNumber(id: string): number {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}
