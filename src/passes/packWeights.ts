// pack-weights: the weight of every packed-kernel product becomes the bytes its kernel reads (i8 constant
// in the i2 or tq1 layout), and the pass reports the packed weight bytes of the whole model.
import { type Graph, type PackedFormat, PACKED_FORMATS, packTernaryRows, packedRowBytes, type TernaryArray } from "../../ir/index.js";
import { UserError } from "../errors.js";
import type { Pass, PassContext } from "./pass.js";

function run(graph: Graph, ctx: PassContext): boolean {
  const forced = ctx.options.format as PackedFormat | undefined;
  if (forced !== undefined && !PACKED_FORMATS.includes(forced)) throw new UserError(`pack-weights: format '${forced}' is not one of ${PACKED_FORMATS.join(", ")}`);
  const packed = new Map<string, string>();
  let bytes = 0;
  let weights = 0;
  let changed = false;
  for (const n of graph.ops()) {
    if (n.op !== "ternary_matmul_packed") continue;
    const w = n.operands[1]!;
    const decl = graph.definition(w)?.entity;
    if (decl?.kind !== "const" || decl.type.dtype !== "ternary") continue;
    const format = forced ?? (n.attrs.format as PackedFormat);
    const [rows, k] = decl.type.shape as [number, number];
    const key = `${w}/${format}`;
    let name = packed.get(key);
    if (!name) {
      name = graph.freshName(`${w}.${format}`);
      const data = packTernaryRows(ctx.loadConst(decl).data as TernaryArray, rows, k, format);
      const shape = [rows, packedRowBytes(format, k)];
      graph.addConst(name, { dtype: "i8", shape }, { kind: "inline", tensor: { dtype: "i8", shape, data } });
      packed.set(key, name);
      bytes += data.length;
      weights += rows * k;
    }
    graph.replaceOp(n, [{ op: n.op, operands: [n.operands[0]!, name], results: n.results, attrs: { ...n.attrs, format }, loc: n.loc }]);
    if (graph.users(w).length === 0 && !graph.outputs.some((o) => o.name === w)) graph.removeConst(decl);
    changed = true;
  }
  if (weights) ctx.note(`${weights} weights packed in ${bytes} bytes (${((8 * bytes) / weights).toFixed(3)} bits per weight)`);
  return changed;
}

export const packWeightsPass: Pass = {
  name: "pack-weights",
  exact: true,
  summary: "store each packed-kernel weight in its kernel's byte layout (i2: 2 bits, tq1: 1.6 bits per weight)",
  description:
    "Replaces the ternary weight of every ternary_matmul_packed by an i8 constant in the layout its kernel streams: " +
    "i2 (code = w + 1 in 2 bits, 4 per byte, least significant first) or tq1 (5 weights per byte as a base-3 number, " +
    "the first most significant); rows start on a byte. Option {format=i2|tq1} overrides each product's own format. " +
    "The op decodes the same weights, so results are bit for bit the same.",
  options: { format: "i2 | tq1: the layout for every packed product (default: each product's own)" },
  run,
};
