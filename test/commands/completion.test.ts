// `ngx-release completion bash|zsh|fish`: the bash script is loaded in a real bash and asked what Tab
// offers (commands, a command's options, option choices, sub-commands, environment names read from the
// repository at Tab time through a `ngx-release` on PATH); zsh reuses it through bashcompinit; fish
// gets declarative lines. Bad shells exit 2 with nothing on stdout.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GateRepo, gateRepo } from "../gates/fixture.js";
import { CLI, runCli } from "../helpers/cli.js";

let repo: GateRepo;
let scratch: string;
let bin: string;
let script: string;
beforeAll(async () => {
  repo = gateRepo();
  scratch = mkdtempSync(join(tmpdir(), "ngx-completion-"));
  bin = join(scratch, "bin");
  mkdirSync(bin);
  // the scripts call `ngx-release completion --environments`: the built CLI stands behind that name
  writeFileSync(join(bin, "ngx-release"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, "ngx-release"), 0o755);
  const r = await runCli(["completion", "bash"]);
  expect(r.code, r.stderr).toBe(0);
  script = join(scratch, "ngx-release.bash");
  writeFileSync(script, r.stdout);
});
afterAll(() => {
  repo.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

/** what Tab offers in bash after `line` (the last word is the one being completed) */
function tab(line: string): string[] {
  const words = line.split(" ");
  const program = `source ${JSON.stringify(script)}
COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(" ")})
COMP_CWORD=${words.length - 1}
_ngx_release
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync("bash", ["--norc", "--noprofile", "-c", program], {
    cwd: repo.root,
    encoding: "utf8",
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: scratch },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split("\n").filter(Boolean).sort();
}

describe("completion", () => {
  it("bash: commands, options, choices, sub-commands and environment names", () => {
    expect(tab("ngx-release st")).toEqual(["status"]);
    expect(tab("ngx-release pro")).toEqual(["promote"]);
    expect(tab("ngx-release status --f")).toEqual(["--format"]);
    expect(tab("ngx-release status --format ")).toEqual(["mermaid", "table"]);
    expect(tab("ngx-release status -o y")).toEqual(["yaml"]);
    expect(tab("ngx-release backup ")).toEqual(["run", "schedule", "status"]);
    expect(tab("ngx-release status ")).toEqual(["dev", "production", "staging"]);
    expect(tab("ngx-release promote dev s")).toEqual(["staging"]);
    // an option's value is not taken for the command
    expect(tab("ngx-release --repo . gate p")).toEqual(["production"]);
  });

  it("zsh loads the same function through bashcompinit; fish gets complete lines", async () => {
    const zsh = await runCli(["completion", "zsh"]);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout.split("\n")[0]).toBe("#compdef ngx-release");
    expect(zsh.stdout).toContain("autoload -U +X bashcompinit && bashcompinit");
    expect(zsh.stdout).toContain("complete -F _ngx_release ngx-release");
    const fish = await runCli(["completion", "fish"]);
    expect(fish.code).toBe(0);
    expect(fish.stdout).toContain("complete -c ngx-release -n '__fish_use_subcommand' -a status -d ");
    expect(fish.stdout).toContain(
      "complete -c ngx-release -n '__fish_seen_subcommand_from status' -l format -x -a 'table mermaid'",
    );
    expect(fish.stdout).toContain(
      "complete -c ngx-release -n '__fish_seen_subcommand_from status' -a '(ngx-release completion --environments 2>/dev/null)'",
    );
  });

  it("--environments lists the repository's environments, nothing outside one", async () => {
    expect((await runCli(["completion", "--environments"], { cwd: repo.root })).stdout).toBe(
      "dev\nstaging\nproduction\n",
    );
    const outside = await runCli(["completion", "--environments"], { cwd: scratch });
    expect([outside.code, outside.stdout]).toEqual([0, ""]);
  });

  it("refuses a missing or unknown shell with exit 2 and nothing on stdout", async () => {
    for (const args of [["completion"], ["completion", "powershell"]]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(
        /error: (no shell given|unknown shell "powershell") \(valid: bash, zsh, fish\)/,
      );
    }
  });
});
