// Deterministic branch names: one branch (and so at most one open pull request) per purpose and
// target environment, so a rerun finds its own branch and PR and updates them instead of adding more.

export const branchKinds = ["promote", "rollback", "release"] as const;
export type BranchKind = (typeof branchKinds)[number];

export class BranchName {
  private constructor(
    readonly kind: BranchKind,
    readonly env: string,
  ) {}

  static of(kind: BranchKind, env: string): BranchName {
    if (!/^[a-z][a-z0-9-]*$/.test(env))
      throw new RangeError(`not an environment name: ${JSON.stringify(env)}`);
    return new BranchName(kind, env);
  }

  /** "promote/production" → BranchName; undefined for any other branch (also with refs/heads/). */
  static parse(text: string): BranchName | undefined {
    const m = /^(?:refs\/heads\/)?(promote|rollback|release)\/([a-z][a-z0-9-]*)$/.exec(text);
    return m ? new BranchName(m[1] as BranchKind, m[2] as string) : undefined;
  }

  toString(): string {
    return `${this.kind}/${this.env}`;
  }

  equals(other: BranchName): boolean {
    return other.kind === this.kind && other.env === this.env;
  }
}
