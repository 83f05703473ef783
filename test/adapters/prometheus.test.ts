// The Prometheus adapter's configuration errors (its retries and answers are exercised against the
// HTTP fake and a real Prometheus in test/analysis).
import { describe, expect, it } from "vitest";
import { createPrometheus } from "../../pipeline/src/adapters/prometheus.js";
import { ConfigError, ExitCode } from "../../pipeline/src/errors.js";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

describe("createPrometheus", () => {
  it("a PROMETHEUS_URL that is not a URL is a configuration error (exit 2) naming the value, with the cause", () => {
    const err = thrown(() => createPrometheus("not a url")) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(ExitCode.badInput);
    expect(err.message).toBe('PROMETHEUS_URL "not a url" is not an http(s) URL');
    expect(err.hint).toBe("set PROMETHEUS_URL to e.g. http://prometheus.monitoring:9090");
    expect(err.cause).toBeInstanceOf(TypeError);
  });

  it("a host:port without http:// (which parses as a URL of another scheme) is refused the same way", () => {
    const err = thrown(() => createPrometheus("prometheus.monitoring:9090")) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('PROMETHEUS_URL "prometheus.monitoring:9090" is not an http(s) URL');
  });

  it("keeps a path prefix and drops the trailing slash", () => {
    expect(createPrometheus("http://127.0.0.1:9090/prometheus/").url).toBe(
      "http://127.0.0.1:9090/prometheus",
    );
    expect(createPrometheus("https://prometheus.example.test").url).toBe("https://prometheus.example.test");
  });
});
