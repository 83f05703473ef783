// Typed errors. Only cli.ts turns them into exit codes and output; adapters convert SDK errors
// into these at their boundary. Messages never contain tokens.

export const ExitCode = {
  ok: 0,
  /** a check, gate or analysis said no */
  checkFailed: 1,
  /** bad input, usage or configuration; nothing was written */
  badInput: 2,
  /** a remote service failed after retries; nothing half-written */
  remote: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class NgxError extends Error {
  abstract readonly exitCode: ExitCode;
  /** optional one-line hint printed under the message ("install kustomize ≥ 5 …") */
  readonly hint?: string;
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.hint) this.hint = options.hint;
  }
}

/** Bad command-line input: unknown environment, malformed image reference, invalid cron … */
export class InputError extends NgxError {
  readonly exitCode = ExitCode.badInput;
}

/** Bad repository configuration or missing tool: names the file and field and what would be valid. */
export class ConfigError extends NgxError {
  readonly exitCode = ExitCode.badInput;
  readonly file?: string;
  readonly field?: string;
  constructor(message: string, options?: { cause?: unknown; hint?: string; file?: string; field?: string }) {
    super(message, options);
    if (options?.file) this.file = options.file;
    if (options?.field) this.field = options.field;
  }
}

/** A check said no (validation findings, analysis failed/inconclusive). */
export class CheckFailedError extends NgxError {
  readonly exitCode = ExitCode.checkFailed;
}

/** A promotion gate is closed (or could not be evaluated, which counts as closed). */
export class GateClosedError extends NgxError {
  readonly exitCode = ExitCode.checkFailed;
  readonly reasons: readonly string[];
  constructor(message: string, reasons: readonly string[], options?: { cause?: unknown; hint?: string }) {
    super(message, options);
    this.reasons = reasons;
  }
}

/** A remote service (GitHub, Argo CD, Prometheus, Cloud Monitoring) failed after retries. */
export class RemoteError extends NgxError {
  readonly exitCode = ExitCode.remote;
  readonly service: string;
  readonly status?: number;
  constructor(
    service: string,
    message: string,
    options?: { cause?: unknown; hint?: string; status?: number },
  ) {
    super(`${service}: ${message}`, options);
    this.service = service;
    if (options?.status !== undefined) this.status = options.status;
  }
}

export function isNgxError(e: unknown): e is NgxError {
  return e instanceof NgxError;
}
