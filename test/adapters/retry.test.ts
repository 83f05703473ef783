// The retry loop shared by the Argo CD and Prometheus adapters.
import { describe, expect, it } from "vitest";
import { type Attempt, withRetries } from "../../pipeline/src/adapters/retry.js";

/** answers the scripted outcomes in order, counting calls */
function scripted<T>(...outcomes: Attempt<T, string>[]) {
  let calls = 0;
  return {
    once: async () => {
      const o = outcomes[calls++];
      if (!o) throw new Error("called once too often");
      return o;
    },
    calls: () => calls,
  };
}
const fail = (failure: string, retry = true) => ({ ok: false, failure, retry }) as const;

describe("withRetries", () => {
  it("retries retryable failures until a value comes", async () => {
    const s = scripted<number>(fail("503"), fail("503"), { ok: true, value: 7 });
    expect(await withRetries(3, 0, s.once)).toEqual({ ok: true, value: 7 });
    expect(s.calls()).toBe(3);
  });

  it("gives up after the attempts with the last failure and the count", async () => {
    const s = scripted<number>(fail("refused"), fail("502"), fail("503"));
    expect(await withRetries(3, 0, s.once)).toEqual({ ok: false, failure: "503", tried: 3 });
    expect(s.calls()).toBe(3);
  });

  it("stops at the first failure that is not retryable", async () => {
    const s = scripted<number>(fail("503"), fail("404", false), { ok: true, value: 1 });
    expect(await withRetries(5, 0, s.once)).toEqual({ ok: false, failure: "404", tried: 2 });
    expect(s.calls()).toBe(2);
  });

  it("lets an error thrown by the attempt through at once", async () => {
    let calls = 0;
    const boom = new Error("not JSON");
    await expect(
      withRetries(3, 0, async () => {
        calls++;
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(calls).toBe(1);
  });

  it("makes one attempt when asked for none", async () => {
    const s = scripted<number>(fail("503"));
    expect(await withRetries(0, 0, s.once)).toEqual({ ok: false, failure: "503", tried: 1 });
  });
});
