// Pure updater for environments/<env>/backup-schedule.patch.yaml: changes only the CronJob's
// spec.schedule and spec.timeZone, keeping comments and formatting (yaml Document API).
// Understands both patch shapes kustomize accepts in a file: a strategic-merge patch (a CronJob
// object) and a JSON6902 list of operations on /spec/schedule and /spec/timeZone.
import { isMap, isScalar, isSeq, Pair, parseDocument, Scalar, type YAMLMap, type YAMLSeq } from "yaml";
import { ConfigError } from "../errors.js";

export interface ScheduleSetting {
  readonly schedule: string;
  /** undefined = leave the file's timeZone as it is */
  readonly timeZone?: string;
}

export interface CurrentSchedule {
  readonly schedule?: string;
  readonly timeZone?: string;
}

function parse(content: string, file: string) {
  const doc = parseDocument(content, { keepSourceTokens: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(`${file}: invalid YAML: ${doc.errors[0]?.message}`, { file, cause: doc.errors[0] });
  }
  return doc;
}

function quoted(value: string): Scalar {
  const s = new Scalar(value);
  s.type = Scalar.QUOTE_DOUBLE;
  return s;
}

/** Reads the schedule and time zone the patch file sets. */
export function readSchedulePatch(content: string, file = "backup-schedule.patch.yaml"): CurrentSchedule {
  const doc = parse(content, file);
  const root = doc.contents;
  if (isMap(root)) {
    const spec = root.get("spec", true);
    if (!isMap(spec))
      throw new ConfigError(`${file}: no spec: in the CronJob patch`, { file, field: "spec" });
    const schedule = spec.get("schedule");
    const timeZone = spec.get("timeZone");
    return {
      ...(typeof schedule === "string" ? { schedule } : {}),
      ...(typeof timeZone === "string" ? { timeZone } : {}),
    };
  }
  if (isSeq(root)) {
    const out: { schedule?: string; timeZone?: string } = {};
    for (const op of (root as YAMLSeq).items) {
      if (!isMap(op)) continue;
      const path = op.get("path");
      const value = op.get("value");
      if (path === "/spec/schedule" && typeof value === "string") out.schedule = value;
      if (path === "/spec/timeZone" && typeof value === "string") out.timeZone = value;
    }
    return out;
  }
  throw new ConfigError(`${file}: expected a CronJob patch (a mapping) or a JSON6902 list of operations`, {
    file,
  });
}

/**
 * Returns `content` with spec.schedule (and spec.timeZone when given) set; everything else, including
 * comments, stays byte-for-byte where the yaml library allows.
 */
export function updateSchedulePatch(
  content: string,
  setting: ScheduleSetting,
  file = "backup-schedule.patch.yaml",
): string {
  const doc = parse(content, file);
  const root = doc.contents;
  if (isMap(root)) {
    const kind: unknown = root.get("kind");
    if (kind !== undefined && kind !== "CronJob") {
      throw new ConfigError(`${file}: kind is ${JSON.stringify(kind)}, expected CronJob`, {
        file,
        field: "kind",
      });
    }
    const spec = root.get("spec", true);
    if (!isMap(spec))
      throw new ConfigError(`${file}: no spec: in the CronJob patch`, { file, field: "spec" });
    setScalar(spec, "schedule", setting.schedule);
    if (setting.timeZone !== undefined) setScalar(spec, "timeZone", setting.timeZone, "schedule");
    return doc.toString();
  }
  if (isSeq(root)) {
    const ops = (root as YAMLSeq).items.filter(isMap) as YAMLMap[];
    const set = (path: string, value: string) => {
      const op = ops.find((o) => o.get("path") === path);
      if (op) {
        setScalar(op, "value", value);
        if (op.get("op") === "remove") op.set("op", "replace");
        return;
      }
      (root as YAMLSeq).add(doc.createNode({ op: "add", path, value }));
    };
    set("/spec/schedule", setting.schedule);
    if (setting.timeZone !== undefined) set("/spec/timeZone", setting.timeZone);
    return doc.toString();
  }
  throw new ConfigError(`${file}: expected a CronJob patch (a mapping) or a JSON6902 list of operations`, {
    file,
  });
}

/** Sets map[key] keeping the existing scalar node (and its comments); adds it after `after` if absent. */
function setScalar(map: YAMLMap, key: string, value: string, after?: string): void {
  const existing = map.get(key, true);
  if (isScalar(existing)) {
    // the existing style is kept; the yaml library quotes a plain scalar that would not read back
    existing.value = value;
    return;
  }
  const pair = new Pair(new Scalar(key), quoted(value));
  const index =
    after === undefined ? -1 : map.items.findIndex((p) => isScalar(p.key) && p.key.value === after);
  if (index >= 0) map.items.splice(index + 1, 0, pair);
  else map.items.push(pair);
}
