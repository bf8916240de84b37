// Turns a parsed .tir AST into a Graph, checking what the grammar cannot: element types, dims,
// literal kinds and constant data, each error at its own line and column.
import { dimFromTerms, type Dim } from "../dims.js";
import { type Diagnostic, IrError, type SourceLoc } from "../diagnostics.js";
import { BLOCK_QUANT } from "../blockQuant.js";
import { DTYPES, isBlockQuantDType, isDType, isFloatDType, type DType, storageBytes } from "../dtype.js";
import { type ConstData, Graph } from "../graph.js";
import { roundToBf16, roundToF16 } from "../numeric.js";
import type { AttrValue } from "../ops/opdef.js";
import { getOp } from "../ops/registry.js";
import { type Storage, TernaryArray, type Tensor, tensorFromBytes, tensorFromValues, zeros } from "../tensor.js";
import { elementCount, type TensorType } from "../types.js";
import type { AstConstValue, AstGraph, AstType, Pos } from "./ast.js";

/** The largest constant a `dense<v>` splat may expand to (64 MiB of f32). */
export const MAX_SPLAT_ELEMENTS = 1 << 24;

const TRIT_VALUES: Readonly<Record<string, number>> = { "+": 1, "0": 0, "-": -1 };

const INT_RANGES: Partial<Record<DType, [number, number]>> = { i8: [-128, 127], i32: [-2147483648, 2147483647] };

class Builder {
  readonly diags: Diagnostic[] = [];
  constructor(private readonly file: string | undefined) {}

  loc(p: Pos): SourceLoc {
    return { file: this.file, line: p.line, column: p.column };
  }

  error(p: Pos, message: string): void {
    this.diags.push({ loc: this.loc(p), message });
  }

  type(t: AstType): TensorType | undefined {
    let ok = true;
    if (!isDType(t.dtype)) {
      this.error(t.pos, `unknown element type '${t.dtype}' (expected one of ${DTYPES.join(", ")})`);
      ok = false;
    }
    const shape: Dim[] = [];
    for (const d of t.dims) {
      const dim = dimFromTerms(d.terms);
      if (typeof dim === "number" && dim < 0) {
        this.error(d.pos, `dimension must be >= 0, got ${dim}`);
        ok = false;
      }
      shape.push(dim);
    }
    return ok ? { dtype: t.dtype as DType, shape } : undefined;
  }

  constData(type: TensorType, v: AstConstValue): ConstData | undefined {
    if (v.kind === "blob") {
      return { kind: "external", path: v.path, offset: v.offset.value };
    }
    if (!type.shape.every((d): d is number => typeof d === "number")) {
      this.error(v.pos, "inline constants need a static shape");
      return undefined;
    }
    const shape = type.shape as number[];
    const count = elementCount(shape);
    const tensor = v.kind === "trits" ? this.trits(type.dtype, shape, count, v) : v.kind === "blocks" ? this.blocks(type.dtype, shape, v) : this.dense(type.dtype, shape, count, v);
    return tensor && { kind: "inline", tensor };
  }

  private blocks(dtype: DType, shape: number[], v: Extract<AstConstValue, { kind: "blocks" }>): Tensor | undefined {
    if (!isBlockQuantDType(dtype)) {
      this.error(v.pos, `blocks<...> holds q8_0/q6_k blocks, but the constant's type is ${dtype}`);
      return undefined;
    }
    const { block } = BLOCK_QUANT[dtype];
    if (shape.length === 0 || shape[shape.length - 1]! % block !== 0) {
      this.error(v.pos, `${dtype} rows are whole blocks of ${block}, but the shape is [${shape.join(", ")}]`);
      return undefined;
    }
    const need = storageBytes(dtype, elementCount(shape));
    if (!/^(?:[0-9a-f]{2})*$/.test(v.hex) || v.hex.length !== 2 * need) {
      this.error(v.hexPos, `blocks<...> must hold ${need} bytes as ${2 * need} lowercase hex digits, got ${v.hex.length} characters`);
      return undefined;
    }
    return tensorFromBytes(dtype, shape, Uint8Array.from(v.hex.match(/../g) ?? [], (h) => parseInt(h, 16)));
  }

  private trits(dtype: DType, shape: number[], count: number, v: Extract<AstConstValue, { kind: "trits" }>): Tensor | undefined {
    if (dtype !== "ternary") {
      this.error(v.pos, `trits<...> holds ternary data, but the constant's type is ${dtype} (use dense<...>)`);
      return undefined;
    }
    const rowLen = shape.length ? shape[shape.length - 1]! : 1;
    const rows = rowLen === 0 ? 0 : count / rowLen;
    if (v.rows.length !== rows && !(count === 0 && v.rows.length === 1 && v.rows[0]!.text === "")) {
      this.error(v.pos, `trits<...> has ${v.rows.length} row string${v.rows.length === 1 ? "" : "s"}, but the shape needs ${rows} (one per row of ${rowLen})`);
      return undefined;
    }
    // Every row's length before any allocation: the text holds the data, so a shape it does not fill is refused at
    // the cost of the text, not of the shape (ternary[32, 2^32] with 32-trit rows).
    const short = v.rows.findIndex((row) => row.text.length !== rowLen);
    if (rows > 0 && short >= 0) {
      this.error(v.rows[short]!.pos, `row ${short} has ${v.rows[short]!.text.length} trits, expected ${rowLen}`);
      return undefined;
    }
    const data = new TernaryArray(count);
    for (let r = 0; r < rows; r++) {
      const row = v.rows[r]!;
      for (let i = 0; i < rowLen; i++) {
        const t = TRIT_VALUES[row.text[i]!];
        if (t === undefined) {
          this.error({ line: row.pos.line, column: row.pos.column + 1 + i }, `invalid trit '${row.text[i]}' (expected '+', '0' or '-')`);
          return undefined;
        }
        data.set(r * rowLen + i, t);
      }
    }
    return { dtype: "ternary", shape, data };
  }

  private dense(dtype: DType, shape: number[], count: number, v: Extract<AstConstValue, { kind: "dense" }>): Tensor | undefined {
    if (dtype === "ternary") {
      this.error(v.pos, "ternary constants are written as trits<\"+0-...\">, not dense<...>");
      return undefined;
    }
    if (isBlockQuantDType(dtype)) {
      this.error(v.pos, `${dtype} constants are written as their raw blocks, blocks<"hex..."> or blob<...>, not dense<...>`);
      return undefined;
    }
    // A 70-byte file must not make the parser allocate gigabytes: large constants belong in a blob.
    if (v.splat && count > MAX_SPLAT_ELEMENTS) {
      this.error(v.pos, `dense<...> repeats one value ${count} times (at most ${MAX_SPLAT_ELEMENTS} in the text; put larger constants in a blob<...>)`);
      return undefined;
    }
    if (!v.splat && v.values.length !== count) {
      this.error(v.pos, `dense<...> has ${v.values.length} values, but the shape needs ${count}`);
      return undefined;
    }
    const list = v.values;
    if (isFloatDType(dtype)) {
      const round = dtype === "f16" ? roundToF16 : dtype === "bf16" ? roundToBf16 : undefined;
      if (round) for (let i = 0; i < list.length; i++) list.values[i] = round(list.values[i]!);
    } else {
      const range = INT_RANGES[dtype]!;
      for (let i = 0; i < list.length; i++) {
        const n = list.values[i]!;
        if (list.isFloat(i) || n < range[0] || n > range[1]) {
          this.error(list.pos(i), `${list.text(i)} is not a valid ${dtype} value (integers in [${range[0]}, ${range[1]}])`);
          return undefined;
        }
      }
    }
    if (!v.splat) return tensorFromValues(dtype, shape, list.values);
    // A splat fills the storage with its one encoded element rather than expanding a list of numbers first.
    const t = zeros(dtype, shape);
    (t.data as Exclude<Storage, TernaryArray>).fill(tensorFromValues(dtype, [1], list.values).data[0] as number);
    return t;
  }
}

/** Builds a Graph from an AST. Syntax is already checked; this reports semantic errors of the text. */
export function buildGraph(ast: AstGraph, file?: string): Graph {
  const b = new Builder(file);
  const graph = new Graph(ast.name);
  graph.loc = b.loc(ast.pos);
  let sawOutput = false;
  for (const st of ast.statements) {
    switch (st.kind) {
      case "input": {
        const type = b.type(st.type);
        if (type) graph.addInput(st.name.name, type, b.loc(st.name.pos));
        break;
      }
      case "const": {
        const type = b.type(st.type);
        const data = type && b.constData(type, st.value);
        if (type && data) graph.addConst(st.name.name, type, data, b.loc(st.name.pos));
        break;
      }
      case "op": {
        const def = getOp(st.op.name);
        const attrs: Record<string, AttrValue> = {};
        for (const a of st.attrs) {
          if (a.name in attrs) b.error(a.pos, `attribute '${a.name}' is given twice`);
          const spec = def?.attrs.find((s) => s.name === a.name);
          if (spec?.kind === "int" && a.value.kind === "float") b.error(a.pos, `attribute '${a.name}' must be an int, got the float ${a.value.value}`);
          attrs[a.name] = a.value.value;
        }
        const types = st.types.map((t) => b.type(t));
        if (st.types.length && st.types.length !== st.results.length) {
          b.error(st.types[0]!.pos, `${st.results.length} result${st.results.length === 1 ? "" : "s"} but ${st.types.length} type${st.types.length === 1 ? "" : "s"}`);
        }
        graph.addOp({
          op: st.op.name,
          operands: st.operands.map((o) => o.name),
          results: st.results.map((r) => r.name),
          resultTypes: st.results.map((_, i) => types[i]),
          attrs,
          loc: b.loc(st.op.pos),
        });
        break;
      }
      case "output":
        if (sawOutput) b.error(st.pos, "a graph has one 'output' statement (list every output in it)");
        sawOutput = true;
        graph.setOutputs(st.names.map((n) => ({ name: n.name, loc: b.loc(n.pos) })));
        break;
    }
  }
  if (b.diags.length) throw new IrError(b.diags);
  return graph;
}
