// Human output helpers: tables, colours (NO_COLOR respected by picocolors), progress on stderr.
import pc from "picocolors";

export const color = pc;

/** A plain-text table with a header row; widths from the longest cell; no colour inside cells. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export interface Progress {
  update(message: string): void;
  done(message?: string): void;
}

/** Progress while waiting, on stderr so stdout stays parseable (silent with --json unless a TTY). */
export function progress(stream: NodeJS.WriteStream = process.stderr, enabled = true): Progress {
  const tty = Boolean(stream.isTTY);
  let last = "";
  return {
    update(message) {
      if (!enabled || message === last) return;
      last = message;
      stream.write(tty ? `\r\x1b[2K${message}` : `${message}\n`);
    },
    done(message) {
      if (!enabled) return;
      if (tty) stream.write("\r\x1b[2K");
      if (message) stream.write(`${message}\n`);
    },
  };
}
