// The target registry: the one place that names the backends. Everything else finds a target here by name.
import type { Target } from "../../backends/common/index.js";
import { cHost, cTarget } from "../../backends/c/index.js";
import { verilogTarget } from "../../backends/verilog/index.js";
import { wgslTarget } from "../../backends/wgsl/index.js";
import { UserError } from "../errors.js";

// The Verilog target's host programs are C programs: the C backend compiles them.
const TARGETS: readonly Target[] = [cTarget, wgslTarget, verilogTarget(cHost)];

export function allTargets(): readonly Target[] {
  return TARGETS;
}

export function targetNames(): string[] {
  return TARGETS.map((t) => t.name);
}

/** The target named `name`, or a user error listing the targets. */
export function getTarget(name: string): Target {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new UserError(`--target ${name}: no such target (targets: ${targetNames().join(", ")})`);
  return t;
}

/** The target `compile` and `validate` use when none is given: the first registered. */
export function defaultTargetName(): string {
  return TARGETS[0]!.name;
}
