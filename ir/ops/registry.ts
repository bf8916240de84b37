// The one op registry: every op the IR knows, looked up by name.
import { attentionOps } from "./attention.js";
import { dataOps } from "./data.js";
import { elementwiseOps } from "./elementwise.js";
import { fusedOps } from "./fused.js";
import { linearOps } from "./linear.js";
import { loweredOps } from "./lowered.js";
import type { AttrValue, Attrs, OpDef } from "./opdef.js";
import { normalizationOps } from "./normalization.js";
import { quantOps } from "./quant.js";

const ALL_OPS: readonly OpDef[] = [...dataOps, ...normalizationOps, ...linearOps, ...quantOps, ...attentionOps, ...elementwiseOps, ...loweredOps, ...fusedOps];

const REGISTRY: ReadonlyMap<string, OpDef> = new Map(ALL_OPS.map((d) => [d.name, d]));

/** The definition of op `name`, or undefined if there is none. */
export function getOp(name: string): OpDef | undefined {
  return REGISTRY.get(name);
}

/** All ops, in a stable order (for `ternc ops` and docs). */
export function allOps(): readonly OpDef[] {
  return ALL_OPS;
}

/** Attributes with defaults filled in for the ones left out. */
export function withDefaults(def: OpDef, attrs: Attrs): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = { ...attrs };
  for (const spec of def.attrs) if (out[spec.name] === undefined && spec.default !== undefined) out[spec.name] = spec.default;
  return out;
}
