// Shell completion scripts (`ngx-release completion bash|zsh|fish`), generated from the commander
// program itself so they list exactly the commands, sub-commands, options and option choices the CLI
// accepts. Environment names are completed at Tab time from the repository's promotion.yaml
// (`ngx-release completion --environments`), so a new environment needs no new script.
// zsh runs the bash function through zsh's own bashcompinit (the documented way to reuse a bash
// completion in zsh); fish gets its declarative `complete` lines.
import type { Command, Option } from "commander";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface OptionSpec {
  readonly flags: readonly string[];
  readonly takesValue: boolean;
  readonly choices: readonly string[];
  readonly description: string;
}

interface CommandSpec {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  readonly subcommands: readonly CommandSpec[];
  /** its positional arguments name environments */
  readonly environments: boolean;
}

export interface CompletionSpec {
  readonly program: string;
  readonly options: readonly OptionSpec[];
  readonly commands: readonly CommandSpec[];
}

const HELP: OptionSpec = { flags: ["-h", "--help"], takesValue: false, choices: [], description: "help" };
const ENV_ARGUMENT = /^(env|envs|environment|from|to)$/;

function optionSpec(o: Option): OptionSpec {
  return {
    flags: [o.short, o.long].filter((f): f is string => Boolean(f)),
    takesValue: o.required || o.optional,
    choices: o.argChoices ?? [],
    description: o.description,
  };
}

function commandSpec(c: Command): CommandSpec {
  return {
    name: c.name(),
    description: c.description(),
    options: [...c.options.map(optionSpec), HELP],
    subcommands: c.commands.filter((s) => s.name() !== "help").map(commandSpec),
    environments: c.registeredArguments.some((a) => ENV_ARGUMENT.test(a.name())),
  };
}

export function completionSpec(program: Command): CompletionSpec {
  return {
    program: program.name(),
    options: program.options.map(optionSpec),
    commands: program.commands.filter((c) => c.name() !== "help").map(commandSpec),
  };
}

const words = (xs: readonly string[]) => xs.join(" ");
const flagsOf = (options: readonly OptionSpec[]) => options.flatMap((o) => o.flags);
const fnName = (program: string) => `_${program.replace(/[^A-Za-z0-9]/g, "_")}`;

export function bashCompletion(spec: CompletionSpec): string {
  const fn = fnName(spec.program);
  const global = flagsOf(spec.options);
  const valueChoices = new Map<string, readonly string[]>();
  const valued = new Set<string>();
  const collect = (options: readonly OptionSpec[]) => {
    for (const o of options) {
      if (!o.takesValue) continue;
      for (const f of o.flags) {
        valued.add(f);
        if (o.choices.length > 0) valueChoices.set(f, o.choices);
      }
    }
  };
  collect(spec.options);
  const cases: string[] = [];
  for (const c of spec.commands) {
    collect(c.options);
    const subs = c.subcommands.map((s) => s.name);
    cases.push(
      `    ${c.name})\n      opts="${words([...flagsOf(c.options), ...global])}"\n      subs="${words(subs)}"\n      envs=${c.environments || c.subcommands.some((s) => s.environments) ? 1 : 0}\n      ;;`,
    );
    for (const s of c.subcommands) collect(s.options);
  }
  const choiceCases = [...valueChoices.entries()].map(
    ([f, cs]) => `    ${f}) COMPREPLY=($(compgen -W "${words(cs)}" -- "$cur")); return ;;`,
  );
  return `# ${spec.program} completion for bash. Load it with:  source <(${spec.program} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="" sub="" i w skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      ${[...valued].join("|") || "--no-such-option"}) skip=1 ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd="$w"; elif [[ -z $sub ]]; then sub="$w"; fi ;;
    esac
  done
  case "$prev" in
${choiceCases.join("\n")}
  esac
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W "${words([...spec.commands.map((c) => c.name), ...global])}" -- "$cur"))
    return
  fi
  local opts="" subs="" envs=0
  case "$cmd" in
${cases.join("\n")}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n $subs && -z $sub ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  elif ((envs)); then
    COMPREPLY=($(compgen -W "$(${spec.program} completion --environments 2>/dev/null)" -- "$cur"))
  fi
}
complete -F ${fn} ${spec.program}
`;
}

export function zshCompletion(spec: CompletionSpec): string {
  return `#compdef ${spec.program}
# ${spec.program} completion for zsh. Load it with:  source <(${spec.program} completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(spec)
  .split("\n")
  .filter((l) => !l.startsWith("# "))
  .join("\n")}`;
}

/** fish quotes: single quotes, with \\ and ' escaped */
const fq = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

function fishOption(o: OptionSpec, condition: string, program: string): string {
  const parts = [`complete -c ${program}`];
  if (condition) parts.push(`-n ${fq(condition)}`);
  for (const f of o.flags) parts.push(f.startsWith("--") ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`);
  if (o.choices.length > 0) parts.push(`-x -a ${fq(words(o.choices))}`);
  else if (o.takesValue) parts.push("-r");
  parts.push(`-d ${fq(o.description)}`);
  return parts.join(" ");
}

export function fishCompletion(spec: CompletionSpec): string {
  const p = spec.program;
  const lines = [
    `# ${p} completion for fish. Load it with:  ${p} completion fish | source`,
    `complete -c ${p} -f`,
    ...spec.options.map((o) => fishOption(o, "", p)),
  ];
  for (const c of spec.commands) {
    lines.push(`complete -c ${p} -n '__fish_use_subcommand' -a ${c.name} -d ${fq(c.description)}`);
    const seen = `__fish_seen_subcommand_from ${c.name}`;
    for (const o of c.options) lines.push(fishOption(o, seen, p));
    for (const s of c.subcommands)
      lines.push(
        `complete -c ${p} -n ${fq(`${seen}; and not __fish_seen_subcommand_from ${words(c.subcommands.map((x) => x.name))}`)} -a ${s.name} -d ${fq(s.description)}`,
      );
    if (c.environments || c.subcommands.some((s) => s.environments))
      lines.push(`complete -c ${p} -n ${fq(seen)} -a '(${p} completion --environments 2>/dev/null)'`);
  }
  return `${lines.join("\n")}\n`;
}

export function completionScript(shell: Shell, spec: CompletionSpec): string {
  return shell === "bash"
    ? bashCompletion(spec)
    : shell === "zsh"
      ? zshCompletion(spec)
      : fishCompletion(spec);
}
