// Turning option values as given (strings from a command line, or typed values from the library) into the typed
// options a target declared, with defaults filled in; a bad value is an error naming the flag.
import { BackendError } from "./errors.js";
import type { OptionValue, Target, TargetOptions, TargetOptionSpec } from "./target.js";

/** The flag's name without its value placeholder: `--kernel <kind>` -> `--kernel`. */
export const flagName = (spec: TargetOptionSpec): string => spec.flag.split(/\s/)[0]!;

function parseValue(spec: TargetOptionSpec, v: OptionValue): OptionValue {
  const flag = flagName(spec);
  switch (spec.kind) {
    case "flag":
      if (typeof v !== "boolean") throw new BackendError(flag, `expected true or false, got ${JSON.stringify(v)}`);
      return v;
    case "count": {
      const n = typeof v === "number" ? v : Number(v);
      if (!Number.isInteger(n) || n < 1) throw new BackendError(flag, `'${v}': expected a whole number >= 1`);
      return n;
    }
    case "number": {
      const n = typeof v === "number" ? v : Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new BackendError(flag, `'${v}': expected a number > 0`);
      return n;
    }
    case "choice":
      if (!spec.choices!.includes(String(v))) throw new BackendError(flag, `'${v}': expected one of ${spec.choices!.join(", ")}`);
      return String(v);
    default:
      return String(v);
  }
}

/** The options for `target`: given values checked and typed, defaults for the rest; an unknown name is an error. */
export function resolveOptions(target: Target, given: Readonly<Record<string, OptionValue | undefined>>): TargetOptions {
  const out: Record<string, OptionValue | undefined> = {};
  for (const [name, v] of Object.entries(given)) {
    if (v === undefined) continue;
    const spec = target.options.find((o) => o.name === name);
    if (!spec) throw new BackendError(`option '${name}'`, `target ${target.name} has no such option (it has: ${target.options.map(flagName).join(", ") || "none"})`);
    out[name] = parseValue(spec, v);
  }
  for (const spec of target.options) if (out[spec.name] === undefined && spec.default !== undefined) out[spec.name] = spec.default;
  return out;
}

/** The options that decide what a build contains (compile and build steps), for a cache key. */
export function buildAffectingOptions(target: Target, options: TargetOptions): Record<string, OptionValue | undefined> {
  return Object.fromEntries(target.options.filter((o) => o.step !== "run").map((o) => [o.name, options[o.name]]));
}
