// A parsed YAML document as plain data, refusing alias bombs by name. The yaml library stops
// expanding aliases past maxAliasCount (default 100) with a ReferenceError ("Excessive alias count
// indicates a resource exhaustion attack"); that is bad input in a repository file, not a crash.
import type { Document } from "yaml";
import { ConfigError } from "../errors.js";

/** `doc.toJS()`, or a ConfigError naming `file` when its aliases expand past the library's limit */
export function yamlData(doc: Document, file: string): unknown {
  try {
    return doc.toJS();
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw new ConfigError(
        `${file}: its YAML aliases expand too far (${e.message}); write the values out instead of nesting aliases`,
        { file, cause: e },
      );
    }
    throw e;
  }
}
