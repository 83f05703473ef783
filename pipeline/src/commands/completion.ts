// `ngx-release completion bash|zsh|fish`: prints the shell's completion script (output/completion.ts).
// `--environments` prints the environment names of the repository for the scripts to complete at Tab
// time (nothing when there is no promotion.yaml here).
import { type Command, Option } from "commander";
import { InputError } from "../errors.js";
import { completionScript, completionSpec, SHELLS, type Shell } from "../output/completion.js";
import { contextFrom } from "./context.js";

export function register(program: Command): void {
  program
    .command("completion")
    .description("print the shell completion script for bash, zsh or fish")
    .argument("[shell]", `one of ${SHELLS.join(", ")}`)
    .addOption(new Option("--environments", "print the environment names (used by the scripts)").hideHelp())
    .addHelpText(
      "after",
      `
Exit codes: 0 printed · 2 no shell or an unknown one (nothing printed).

Examples:
  source <(ngx-release completion bash)        # in ~/.bashrc
  source <(ngx-release completion zsh)         # in ~/.zshrc
  ngx-release completion fish | source         # in ~/.config/fish/config.fish`,
    )
    .action(async (shell: string | undefined, opts: { environments?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      if (opts.environments) {
        try {
          const { loadRepo } = await import("../config/load.js");
          ctx.print(
            loadRepo(ctx.root)
              .environments.map((e) => e.name)
              .join("\n"),
          );
        } catch {
          // Tab in a folder that is not the repository: nothing to offer
        }
        return;
      }
      if (!shell || !(SHELLS as readonly string[]).includes(shell)) {
        throw new InputError(
          `${shell === undefined ? "no shell given" : `unknown shell ${JSON.stringify(shell)}`} (valid: ${SHELLS.join(", ")})`,
        );
      }
      ctx.stdout.write(completionScript(shell as Shell, completionSpec(program)));
    });
}
