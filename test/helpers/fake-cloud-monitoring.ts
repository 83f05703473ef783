// A local Cloud Monitoring MetricService over plaintext gRPC, built from the protos that ship in
// @google-cloud/monitoring (plus google-gax's common protos). It implements the methods ngx-release
// uses — GetMetricDescriptor, CreateMetricDescriptor, CreateTimeSeries, ListTimeSeries — with the
// service's own status codes and messages: NOT_FOUND for an unknown descriptor, INVALID_ARGUMENT for a
// point not newer than the series' last one, PERMISSION_DENIED when a method is denied. Every call is
// recorded with its request and metadata; other methods answer UNIMPLEMENTED and are recorded too.
import { resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as loader from "@grpc/proto-loader";

const ROOT = resolve(import.meta.dirname, "../..");
const INCLUDE = [
  resolve(ROOT, "node_modules/@google-cloud/monitoring/build/protos"),
  resolve(ROOT, "node_modules/google-gax/build/protos"),
];

interface Timestamp {
  seconds?: string | number;
  nanos?: number;
}
export interface FakePoint {
  /** seconds since the epoch */
  readonly end: number;
  readonly value: number;
}
export interface FakeSeries {
  readonly type: string;
  readonly metricLabels: Record<string, string>;
  readonly resourceType: string;
  readonly resourceLabels: Record<string, string>;
  readonly valueType: "DOUBLE" | "INT64";
  /** default GAUGE; DELTA for counts such as Vertex AI's (each point counts its own interval) */
  readonly metricKind?: "GAUGE" | "DELTA";
  /** oldest first */
  readonly points: FakePoint[];
}
export interface FakeCall {
  readonly method: string;
  readonly request: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

interface RawPoint {
  interval?: { endTime?: Timestamp };
  value?: { doubleValue?: number; int64Value?: string | number };
}
interface RawTimeSeries {
  metric?: { type?: string; labels?: Record<string, string> };
  resource?: { type?: string; labels?: Record<string, string> };
  points?: RawPoint[];
}

const seconds = (t: Timestamp | undefined) => Number(t?.seconds ?? 0);

function seriesKey(s: Pick<FakeSeries, "type" | "metricLabels" | "resourceType" | "resourceLabels">): string {
  const sorted = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort());
  return `${s.type}|${sorted(s.metricLabels)}|${s.resourceType}|${sorted(s.resourceLabels)}`;
}

/** one term of a Monitoring filter: a field compared with a string or a matching function */
interface FilterTerm {
  readonly field: string;
  readonly test: (value: string | undefined) => boolean;
}

const unquote = (s: string) => s.replace(/\\(.)/g, "$1");

/** the right-hand side of `field = …`: "v", starts_with("v"), ends_with, has_substring, one_of("a", "b"), monitoring.regex.full_match("re") */
function valueTest(rhs: string): ((v: string | undefined) => boolean) | undefined {
  const literal = /^"((?:[^"\\]|\\.)*)"$/.exec(rhs);
  if (literal) {
    const want = unquote(literal[1] as string);
    return (v) => v === want;
  }
  const call = /^([\w.]+)\(\s*(.*?)\s*\)$/s.exec(rhs);
  if (!call) return undefined;
  const args = [...(call[2] as string).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unquote(m[1] as string));
  const [a] = args;
  if (a === undefined) return undefined;
  switch (call[1]) {
    case "starts_with":
      return (v) => v?.startsWith(a) === true;
    case "ends_with":
      return (v) => v?.endsWith(a) === true;
    case "has_substring":
      return (v) => v?.includes(a) === true;
    case "one_of":
      return (v) => v !== undefined && args.includes(v);
    case "monitoring.regex.full_match": {
      const re = new RegExp(`^(?:${a})$`);
      return (v) => v !== undefined && re.test(v);
    }
    default:
      return undefined;
  }
}

/**
 * The subset of the Monitoring filter language ngx-release writes: `field = <value>` terms joined by
 * AND, fields metric.type, resource.type, metric.label(s).KEY, resource.label(s).KEY. Anything else
 * is refused with INVALID_ARGUMENT, as the service refuses a filter it cannot parse — never ignored,
 * so a filter the fake does not understand cannot match more series than the real service would.
 */
function parseFilter(filter: string): FilterTerm[] {
  return filter.split(/\s+AND\s+/).map((term) => {
    const m = /^\s*((?:metric|resource)\.(?:type|labels?\.\w+))\s*=\s*(.+?)\s*$/s.exec(term);
    const test = m ? valueTest(m[2] as string) : undefined;
    if (!m || !test) {
      throw fail(
        grpc.status.INVALID_ARGUMENT,
        `Field filter had an invalid value of "${filter}": could not parse "${term.trim()}".`,
      );
    }
    return { field: (m[1] as string).replace(/\.label\./, ".labels."), test };
  });
}

function matches(s: FakeSeries, terms: readonly FilterTerm[]): boolean {
  return terms.every(({ field, test }) => {
    if (field === "metric.type") return test(s.type);
    if (field === "resource.type") return test(s.resourceType);
    if (field.startsWith("metric.labels.")) return test(s.metricLabels[field.slice(14)]);
    if (field.startsWith("resource.labels.")) return test(s.resourceLabels[field.slice(16)]);
    return false;
  });
}

function fail(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

export class FakeCloudMonitoring {
  readonly calls: FakeCall[] = [];
  readonly descriptors = new Map<string, Record<string, unknown>>();
  readonly series = new Map<string, FakeSeries>();
  /** methods answered PERMISSION_DENIED */
  readonly denied = new Set<string>();
  /** one-shot answers: the next call of a method fails with this status and message */
  readonly failNext = new Map<string, { code: grpc.status; details: string }>();

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
    readonly project: string,
  ) {}

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  callsTo(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** adds points to a series (e.g. a Vertex AI metric) for ListTimeSeries */
  addSeries(s: Omit<FakeSeries, "points"> & { points: FakePoint[] }): void {
    const key = seriesKey(s);
    const existing = this.series.get(key);
    if (existing) existing.points.push(...s.points);
    else this.series.set(key, { ...s, points: [...s.points] });
  }

  static async start(project = "ngx-agents-test"): Promise<FakeCloudMonitoring> {
    const def = loader.loadSync("google/monitoring/v3/metric_service.proto", {
      includeDirs: INCLUDE,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      google: { monitoring: { v3: { MetricService: { service: grpc.ServiceDefinition } } } };
    };
    const service = pkg.google.monitoring.v3.MetricService.service;
    const server = new grpc.Server();
    let self: FakeCloudMonitoring | undefined;
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(service)) {
      handlers[method] = (
        call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
        cb: grpc.sendUnaryData<unknown>,
      ) => {
        const fake = self as FakeCloudMonitoring;
        fake.calls.push({ method, request: call.request, metadata: call.metadata.getMap() });
        if (fake.denied.has(method)) {
          cb(
            fail(
              grpc.status.PERMISSION_DENIED,
              `Permission monitoring.${method === "CreateTimeSeries" ? "timeSeries.create" : "metricDescriptors.create"} denied (or the resource may not exist).`,
            ),
          );
          return;
        }
        const once = fake.failNext.get(method);
        if (once) {
          fake.failNext.delete(method);
          cb(fail(once.code, once.details));
          return;
        }
        try {
          cb(null, fake.handle(method, call.request));
        } catch (e) {
          cb(e as grpc.ServiceError);
        }
      };
    }
    server.addService(service, handlers);
    const port = await new Promise<number>((ok, ko) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? ko(err) : ok(p),
      ),
    );
    self = new FakeCloudMonitoring(server, port, project);
    return self;
  }

  private checkProject(name: unknown): void {
    if (typeof name !== "string" || !name.startsWith(`projects/${this.project}`)) {
      throw fail(grpc.status.NOT_FOUND, `Requested entity was not found: ${String(name)}`);
    }
  }

  private handle(method: string, req: Record<string, unknown>): unknown {
    switch (method) {
      case "GetMetricDescriptor": {
        this.checkProject(req.name);
        const type = String(req.name).split("/metricDescriptors/")[1] ?? "";
        const d = this.descriptors.get(type);
        if (!d) throw fail(grpc.status.NOT_FOUND, `Could not find descriptor for metric '${type}'.`);
        return d;
      }
      case "CreateMetricDescriptor": {
        this.checkProject(req.name);
        const d = req.metricDescriptor as Record<string, unknown>;
        const type = String(d?.type ?? "");
        if (!type.startsWith("custom.googleapis.com/")) {
          throw fail(grpc.status.INVALID_ARGUMENT, `Metric type ${type} is not a custom metric type.`);
        }
        const stored = { ...d, name: `projects/${this.project}/metricDescriptors/${type}` };
        this.descriptors.set(type, stored);
        return stored;
      }
      case "CreateTimeSeries": {
        this.checkProject(req.name);
        const list = (req.timeSeries ?? []) as RawTimeSeries[];
        list.forEach((ts, i) => {
          const type = String(ts.metric?.type ?? "");
          if (type.startsWith("custom.googleapis.com/") && !this.descriptors.has(type)) {
            // the real service would auto-create; ngx-release creates descriptors first, so flag it
            throw fail(grpc.status.NOT_FOUND, `timeSeries[${i}]: no descriptor for ${type}`);
          }
          const points = ts.points ?? [];
          if (points.length !== 1) {
            throw fail(
              grpc.status.INVALID_ARGUMENT,
              `Field timeSeries[${i}].points must have exactly one point (had ${points.length}).`,
            );
          }
          const p = points[0] as RawPoint;
          const series: Omit<FakeSeries, "points"> = {
            type,
            metricLabels: (ts.metric?.labels ?? {}) as Record<string, string>,
            resourceType: String(ts.resource?.type ?? ""),
            resourceLabels: (ts.resource?.labels ?? {}) as Record<string, string>,
            valueType: "DOUBLE",
          };
          const existing = this.series.get(seriesKey(series));
          const end = seconds(p.interval?.endTime);
          const last = existing?.points.at(-1);
          if (last && end <= last.end) {
            throw fail(
              grpc.status.INVALID_ARGUMENT,
              `One or more TimeSeries could not be written: Points must be written in order. One or more of the points specified had an older start time than the most recent point.: timeSeries[${i}]`,
            );
          }
          const value = Number(p.value?.doubleValue ?? p.value?.int64Value);
          this.addSeries({ ...series, points: [{ end, value }] });
        });
        return {};
      }
      case "ListTimeSeries": {
        this.checkProject(req.name);
        const terms = parseFilter(String(req.filter ?? ""));
        if (terms.filter((t) => t.field === "metric.type").length !== 1) {
          throw fail(
            grpc.status.INVALID_ARGUMENT,
            "Field filter had an invalid value: exactly one metric.type is required.",
          );
        }
        const interval = req.interval as { startTime?: Timestamp; endTime?: Timestamp } | undefined;
        const start = seconds(interval?.startTime);
        const end = seconds(interval?.endTime);
        const timeSeries = [...this.series.values()]
          .filter((s) => matches(s, terms))
          .map((s) => ({
            metric: { type: s.type, labels: s.metricLabels },
            resource: { type: s.resourceType, labels: s.resourceLabels },
            metricKind: s.metricKind ?? "GAUGE",
            valueType: s.valueType,
            points: s.points
              .filter((p) => p.end > start && p.end <= end)
              .reverse()
              .map((p) => ({
                interval: { endTime: { seconds: String(p.end), nanos: 0 } },
                value: s.valueType === "INT64" ? { int64Value: String(p.value) } : { doubleValue: p.value },
              })),
          }))
          .filter((s) => s.points.length > 0);
        return { timeSeries, nextPageToken: "" };
      }
      default:
        throw fail(grpc.status.UNIMPLEMENTED, `${method} is not implemented by the fake`);
    }
  }

  /** gauges written for a metric type and environment label, oldest first */
  pointsOf(type: string, environment: string): FakePoint[] {
    return [...this.series.values()]
      .filter((s) => s.type === type && s.metricLabels.environment === environment)
      .flatMap((s) => s.points);
  }

  close(): Promise<void> {
    return new Promise((ok) => this.server.tryShutdown(() => ok()));
  }
}
