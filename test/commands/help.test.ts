// `--help` of every command, as users see it from the built CLI: a description, the exit codes and
// at least one example of the command itself. Commands are enumerated from the program, so a new
// command without them fails here.
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../pipeline/src/cli.js";
import { runCli } from "../helpers/cli.js";

function leaves(cmd: Command, path: string[] = []): string[][] {
  return cmd.commands
    .filter((c) => c.name() !== "help")
    .flatMap((c) => (c.commands.length > 0 ? leaves(c, [...path, c.name()]) : [[...path, c.name()]]));
}

const commands = leaves(buildProgram());

describe("--help", () => {
  it("finds every command the contract names", () => {
    const top = commands.map((c) => c[0]);
    for (const name of [
      "plan",
      "render",
      "validate",
      "diff",
      "release",
      "promote",
      "gate",
      "analyze",
      "rollback",
      "record",
      "unreject",
      "backup",
      "status",
      "metrics",
    ])
      expect(top).toContain(name);
    expect(commands).toEqual(
      expect.arrayContaining([
        ["backup", "run"],
        ["backup", "status"],
        ["backup", "schedule"],
      ]),
    );
  });

  it("the program's own help lists the commands, the exit codes and the environment", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const [name] of commands) expect(r.stdout).toMatch(new RegExp(`\\n {2}${name} `));
    expect(r.stdout).toContain(
      "Exit codes (every command): 0 ok · 1 a check, gate or analysis said no · 2 bad input",
    );
    for (const variable of [
      "GITHUB_TOKEN",
      "ARGOCD_SERVER",
      "PROMETHEUS_URL",
      "GOOGLE_CLOUD_PROJECT",
      "NO_COLOR",
    ])
      expect(r.stdout).toContain(variable);
  });

  it.each(commands.map((c) => [c.join(" "), c]))(
    "%s: description, exit codes and an example of itself",
    async (name, path) => {
      const r = await runCli([...(path as string[]), "--help"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      const usage = r.stdout.split("\n");
      expect(usage[0]).toMatch(new RegExp(`^Usage: ngx-release ${name} `));
      // the description is the paragraph after the usage line
      expect(usage[2]?.length ?? 0, `${name}: description`).toBeGreaterThan(20);
      expect(r.stdout, `${name}: exit codes`).toMatch(/\bExit( codes:)? 0\b/);
      expect(r.stdout, `${name}: an example`).toMatch(
        new RegExp(`\\n {2}(\\S+=\\S+ )*ngx-release ${name}\\b`),
      );
    },
  );
});
