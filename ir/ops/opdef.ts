// The shape of an op definition: signature, attributes, shape/type rule and reference semantics
// live together, so adding an op is one definition (plus the backends that lower it).
import type { DType } from "../dtype.js";
import type { Tensor } from "../tensor.js";
import type { TensorType } from "../types.js";

/** Attribute values as stored on a node; the op's spec says how each is typed. */
export type AttrValue = number | string | boolean;
export type Attrs = Readonly<Record<string, AttrValue>>;

export type AttrKind = "int" | "float" | "string" | "bool";

export interface AttrSpec {
  name: string;
  kind: AttrKind;
  doc: string;
  /** Used when the attribute is absent; an attribute with neither default nor `optional` is required. */
  default?: AttrValue;
  /** May be absent with no default (the op then derives a value, as attention's scale). */
  optional?: boolean;
  /** Allowed values of a string attribute. */
  oneOf?: readonly string[];
  /** Range check: returns a message saying what is wrong, or undefined. */
  check?: (v: AttrValue) => string | undefined;
}

export interface OperandSpec {
  name: string;
  doc: string;
  /** Optional operands come last; an op may omit any suffix of them. */
  optional?: boolean;
}

/** The IR levels of DESIGN.md §2 an op belongs to. */
export type Level = "L0" | "L1" | "L2";

/** What a shape/type rule sees: operand types (undefined for an omitted optional operand). */
export interface InferContext {
  operands: ReadonlyArray<TensorType | undefined>;
  attrs: Attrs;
}

/** What the reference semantics see at run time. */
export interface EvalContext {
  operands: ReadonlyArray<Tensor | undefined>;
  attrs: Attrs;
}

export interface OpDef {
  name: string;
  /** One line, shown by `ternc ops` and in docs. */
  summary: string;
  /** Semantics in words, precise enough to implement a backend from (order of float operations included). */
  description: string;
  levels: readonly Level[];
  operands: readonly OperandSpec[];
  /** The last operand may repeat (any count from one). */
  variadic?: boolean;
  results: readonly string[];
  attrs: readonly AttrSpec[];
  /**
   * The shape and type rule, which is also the verifier: returns the result types or throws
   * `OpError` saying which operand or attribute is wrong and why.
   */
  infer(ctx: InferContext): TensorType[];
  /** Reference semantics; `attrs` has defaults filled in. */
  evaluate(ctx: EvalContext): Tensor[];
}

/** A verification failure inside an op's rule; the verifier adds the node's location. */
export class OpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OpError";
  }
}

export function intAttr(attrs: Attrs, name: string): number {
  return attrs[name] as number;
}

export function floatAttr(attrs: Attrs, name: string): number {
  return attrs[name] as number;
}

export function stringAttr(attrs: Attrs, name: string): string {
  return attrs[name] as string;
}

/** Positive integer check for attribute specs. */
export function positive(v: AttrValue): string | undefined {
  return typeof v === "number" && v > 0 ? undefined : "must be > 0";
}

export function nonNegative(v: AttrValue): string | undefined {
  return typeof v === "number" && v >= 0 ? undefined : "must be >= 0";
}

export type { DType };
