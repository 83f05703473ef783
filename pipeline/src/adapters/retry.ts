// Retries for the HTTP adapters (Argo CD, Prometheus): a bounded number of attempts with
// exponential backoff between them. What counts as retryable is the caller's decision.

/** The outcome of one attempt: a value, or a failure that may be worth another try. */
export type Attempt<T, F> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: F; readonly retry: boolean };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Calls `once` up to `attempts` times while it fails with `retry`, waiting `backoffMs`, then twice
 * that, and so on between calls. Returns the value, or the last failure with the number of attempts
 * made. An error `once` throws is not retried.
 */
export async function withRetries<T, F>(
  attempts: number,
  backoffMs: number,
  once: () => Promise<Attempt<T, F>>,
): Promise<
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: F; readonly tried: number }
> {
  const total = Math.max(1, attempts);
  for (let attempt = 1; ; attempt++) {
    const r = await once();
    if (r.ok) return r;
    if (!r.retry || attempt >= total) return { ok: false, failure: r.failure, tried: attempt };
    await sleep(backoffMs * 2 ** (attempt - 1));
  }
}
