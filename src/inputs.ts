// Graph inputs from the command line: `name=[1,2,3]` inline JSON, or `name=file.npy` / `name=file.json`.
import { extname } from "node:path";
import { type DType, formatType, type Graph, isFloatDType, type Tensor, tensorFromValues, type TensorType } from "../ir/index.js";
import { UserError } from "./errors.js";
import { readBytes, readText } from "./io/files.js";
import { parseNpy } from "./io/npy.js";

/** The deepest nesting an input takes: a tensor has at most this many dims. */
const MAX_INPUT_RANK = 8;

/** Flattens nested JSON arrays, checking they are rectangular; returns shape and values. */
export function flattenJson(value: unknown, what: string, depth = 0): { shape: number[]; values: number[] } {
  if (typeof value === "number") return { shape: [], values: [value] };
  if (!Array.isArray(value)) throw new UserError(`${what}: expected a number or a (nested) array of numbers`);
  // A file of 100,000 nested brackets must not exhaust the stack.
  if (depth >= MAX_INPUT_RANK) throw new UserError(`${what}: arrays nested more than ${MAX_INPUT_RANK} deep (a tensor has at most ${MAX_INPUT_RANK} dims)`);
  if (value.length === 0) return { shape: [0], values: [] };
  const parts = value.map((v, i) => flattenJson(v, `${what}[${i}]`, depth + 1));
  const inner = JSON.stringify(parts[0]!.shape);
  for (const [i, p] of parts.entries()) {
    if (JSON.stringify(p.shape) !== inner) throw new UserError(`${what}: ragged array (element ${i} has shape [${p.shape}], element 0 has [${parts[0]!.shape}])`);
  }
  return { shape: [value.length, ...parts[0]!.shape], values: parts.flatMap((p) => p.values) };
}

/**
 * Converts numbers to a tensor of the input's declared element type. Integer types need integral values
 * in range; float types round (f32/f16/bf16 round to nearest even).
 */
export function toInputTensor(dtype: DType, shape: number[], values: ArrayLike<number>, what: string): Tensor {
  if (!isFloatDType(dtype)) {
    const [lo, hi] = dtype === "i8" || dtype === "ternary" ? [-128, 127] : [-2147483648, 2147483647];
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < lo || v > hi) throw new UserError(`${what}: element ${i} (${v}) is not a valid ${dtype} value`);
    }
  }
  return tensorFromValues(dtype, shape, values);
}

/** `shape` when it has the input's rank and its static dims (symbolic dims take any size); else a user error. */
function fittingShape(type: TensorType, shape: number[], what: string): number[] {
  const fits = shape.length === type.shape.length && type.shape.every((d, i) => typeof d !== "number" || d === shape[i]);
  if (!fits) throw new UserError(`${what}: the input is ${formatType(type)}, but the file holds shape [${shape.join(", ")}]`);
  return shape;
}

/** Parses every `--input name=value` for `graph`. */
export function parseInputs(graph: Graph, specs: readonly string[]): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw new UserError(`--input '${spec}': expected name=value (inline JSON such as [1,2,3], or a .npy/.json file)`);
    const name = spec.slice(0, eq).replace(/^%/, "");
    const value = spec.slice(eq + 1);
    const decl = graph.inputs().find((i) => i.name === name);
    if (!decl) {
      throw new UserError(`--input '${name}': the graph has no such input (its inputs: ${graph.inputs().map((i) => `%${i.name} : ${formatType(i.type)}`).join(", ")})`);
    }
    if (name in out) throw new UserError(`--input '${name}' is given twice`);
    const what = `--input ${name}`;
    const inline = /^\s*[[\-\d.]/.test(value);
    if (inline) {
      let json: unknown;
      try {
        json = JSON.parse(value);
      } catch {
        throw new UserError(`${what}: '${value}' is not valid JSON`);
      }
      const { shape, values } = flattenJson(json, what);
      out[name] = toInputTensor(decl.type.dtype, shape, values, what);
    } else if (extname(value).toLowerCase() === ".npy") {
      let arr;
      try {
        arr = parseNpy(readBytes(value), value);
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw new UserError((e as Error).message);
      }
      out[name] = toInputTensor(decl.type.dtype, fittingShape(decl.type, arr.shape, `${what} (${value})`), arr.values, `${what} (${value})`);
    } else {
      let json: unknown;
      try {
        json = JSON.parse(readText(value));
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw new UserError(`${what}: '${value}' is not valid JSON`);
      }
      const { shape, values } = flattenJson(json, `${what} (${value})`);
      out[name] = toInputTensor(decl.type.dtype, fittingShape(decl.type, shape, `${what} (${value})`), values, `${what} (${value})`);
    }
  }
  return out;
}
