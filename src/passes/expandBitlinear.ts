// expand-bitlinear (L0 -> L1): each bitlinear with a ternary weight becomes act_quant, ternary_matmul
// and dequant, which compute the same bits (bitlinear's semantics are defined by those three ops).
import { ACT_QUANT_MODES, type ActQuantMode, type AttrValue, getOp, type Graph, type OpNode, withDefaults } from "../../ir/index.js";
import { UserError } from "../errors.js";
import type { Pass } from "./pass.js";

/**
 * Expands every bitlinear; returns how many were expanded. A float weight must be quantized first.
 * `actQuant` overrides each op's own activation precision.
 */
export function expandBitlinear(graph: Graph, actQuant?: ActQuantMode): number {
  const nodes = graph.ops().filter((n) => n.op === "bitlinear");
  for (const node of nodes) expandOne(graph, node, actQuant);
  return nodes.length;
}

function expandOne(graph: Graph, node: OpNode, actQuant: ActQuantMode | undefined): void {
  const [x, w, s] = node.operands as [string, string, string | undefined];
  const y = node.results[0]!;
  if (graph.typeOf(w)?.dtype !== "ternary" || s === undefined) {
    throw new UserError(`expand-bitlinear: %${y} has a float weight %${w}; run absmean-quantize first`);
  }
  const mode = actQuant ?? withDefaults(getOp("bitlinear")!, node.attrs).act_quant;
  const group: Record<string, AttrValue> = node.attrs.group === undefined ? {} : { group: node.attrs.group };
  if (mode === "none") {
    graph.replaceOp(node, [
      { op: "ternary_matmul", operands: [x, w], results: [`${y}.acc`], attrs: group, loc: node.loc },
      { op: "dequant", operands: [`${y}.acc`, s], results: [y], loc: node.loc },
    ]);
    return;
  }
  graph.replaceOp(node, [
    { op: "act_quant", operands: [x], results: [`${y}.xq`, `${y}.xs`], loc: node.loc },
    { op: "ternary_matmul", operands: [`${y}.xq`, w], results: [`${y}.acc`], attrs: group, loc: node.loc },
    { op: "dequant", operands: [`${y}.acc`, s, `${y}.xs`], results: [y], loc: node.loc },
  ]);
}

export const expandBitlinearPass: Pass = {
  name: "expand-bitlinear",
  exact: true,
  summary: "L0 -> L1: bitlinear as act_quant + ternary_matmul + dequant",
  description:
    "Each bitlinear with a ternary weight becomes per-token int8 activation quantization, the exact int8 x trit " +
    "product in int32 and the rescale (or, with act_quant = \"none\", an f32 add/sub product and the rescale). " +
    "Bit-exact: bitlinear is defined by these ops.",
  options: { act_quant: "per_token | none: the activation precision of every bitlinear (default: each op's own)" },
  run: (graph, ctx) => {
    const mode = ctx.options.act_quant;
    if (mode !== undefined && !(ACT_QUANT_MODES as readonly string[]).includes(mode)) throw new UserError(`expand-bitlinear: act_quant '${mode}' is not one of ${ACT_QUANT_MODES.join(", ")}`);
    return expandBitlinear(graph, mode as ActQuantMode | undefined) > 0;
  },
};
