// `-o json|yaml|table` (kubectl's and argocd's spelling), with `--json` kept as an alias of `-o json`.
// One place decides the format from the global options and the raw argv (cli.ts needs it before the
// options were parsed, to report an error in the format that was asked for).
import { createRequire } from "node:module";
import { InputError } from "../errors.js";

export const OUTPUT_FORMATS = ["table", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** the format from parsed global options; `--json` and a different `-o` together are a usage error */
export function outputFormat(opts: { json?: boolean; output?: string }): OutputFormat {
  const output = opts.output as OutputFormat | undefined;
  if (output !== undefined && !OUTPUT_FORMATS.includes(output)) {
    throw new InputError(
      `-o ${JSON.stringify(opts.output)} is not an output format (valid: ${OUTPUT_FORMATS.join(", ")})`,
    );
  }
  if (opts.json && output && output !== "json") {
    throw new InputError(`--json and -o ${output} disagree: --json is the same as -o json; give one of them`);
  }
  return opts.json ? "json" : (output ?? "table");
}

/** the format from raw argv, for errors raised before or while parsing; table when unclear */
export function outputFormatFromArgv(argv: readonly string[]): OutputFormat {
  if (argv.includes("--json")) return "json";
  for (const [i, a] of argv.entries()) {
    const value =
      a === "-o" || a === "--output"
        ? argv[i + 1]
        : a.startsWith("--output=")
          ? a.slice(9)
          : a.startsWith("-o") && a.length > 2
            ? a.slice(2)
            : undefined;
    if (value === "json" || value === "yaml") return value;
  }
  return "table";
}

/** a machine-readable document in the chosen format (table callers print their own text) */
export function formatData(value: unknown, format: "json" | "yaml"): string {
  if (format !== "yaml") return `${JSON.stringify(value, null, 2)}\n`;
  // loaded on first use so `--help` does not load the YAML library (Node resolves `yaml` to the same
  // CommonJS build for import and require, so this is the instance the rest of the code uses)
  const { stringify } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return stringify(value, { lineWidth: 0 });
}
