// The ngx-release entry point: the only place that maps errors to exit codes and output.
import { Command, CommanderError, Option } from "commander";
import { registerCommands } from "./commands/index.js";
import { ExitCode, isNgxError } from "./errors.js";
import { reportErrorToActions } from "./output/actions.js";
import { color } from "./output/format.js";
import { guardLog } from "./output/inert.js";
import {
  formatData,
  OUTPUT_FORMATS,
  type OutputFormat,
  outputFormatFromArgv,
} from "./output/output-format.js";

export function buildProgram(): Command {
  const program = new Command("ngx-release")
    .description("Release NGX Agents through GitOps: render, validate, promote, gate, roll back, back up.")
    .version(process.env.npm_package_version ?? "0.1.0")
    .option("--repo <dir>", "repository root (default: current directory)")
    .addOption(
      new Option("-o, --output <format>", "output format: table, json or yaml").choices(OUTPUT_FORMATS),
    )
    .option("--json", "machine-readable output on stdout (the same as -o json)")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      "after",
      `
Exit codes (every command): 0 ok · 1 a check, gate or analysis said no · 2 bad input, usage or
configuration (nothing written) · 3 a remote service failed after retries (nothing half-written).

Environment: GITHUB_TOKEN (else GH_TOKEN, else \`gh auth token\`), GITHUB_REPOSITORY, GITHUB_API_URL
(without a token, branches and commits are made in the local checkout); ARGOCD_SERVER, ARGOCD_AUTH_TOKEN; PROMETHEUS_URL
with PROMETHEUS_BEARER_TOKEN or PROMETHEUS_AUTH=google; GOOGLE_CLOUD_PROJECT with Application Default Credentials; NO_COLOR.

Start with: ngx-release plan        Details of a command: ngx-release <command> --help`,
    )
    .exitOverride();
  registerCommands(program);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

function report(e: unknown, format: OutputFormat): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return ExitCode.ok;
    // `help` asked for is exit 0; usage shown because a subcommand is missing (`ngx-release`,
    // `ngx-release backup`) comes with commander's exit code 1 and is a usage error: 2
    if (e.code === "commander.help") return e.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
    // commander already printed the message
    return ExitCode.badInput;
  }
  if (isNgxError(e)) {
    if (format !== "table") {
      const error = { type: e.name, message: e.message, hint: e.hint, exitCode: e.exitCode };
      process.stdout.write(formatData({ error }, format));
    }
    // messages quote inputs: a line of theirs must not become a workflow command in the Actions log
    process.stderr.write(`${color.red("error:")} ${guardLog(e.message)}\n`);
    if (e.hint) process.stderr.write(`${color.dim("hint:")} ${guardLog(e.hint)}\n`);
    reportErrorToActions(process.env, e);
    return e.exitCode;
  }
  const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`${color.red("internal error:")} ${message}\n`);
  return 70;
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
  } catch (e) {
    return report(e, outputFormatFromArgv(argv));
  }
}

// Run when executed (bundled to dist/cli.js), not when imported by tests.
const invoked = process.argv[1] ?? "";
if (/(?:^|[/\\])(?:cli\.(?:js|ts)|ngx-release)$/.test(invoked)) {
  // `ngx-release plan | head`: the reader went away; stop quietly like other Unix tools
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  main().then((code) => {
    process.exitCode = code;
  });
}
