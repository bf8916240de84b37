// integer-head: the LM head on a block-quantized weight (q8_0, q6_k) computed as llama.cpp and bitnet.cpp compute it:
// its input quantized to int8 per block, integer dot products with the stored codes, one float multiply per block
// (matmul_q8). A numeric change from the exact f32 head (its size is measured in test/src/passes/integerHead.test.ts and
// written in the README), so it is a pipeline choice the target records and compile prints.
import { BLOCK_QUANT, type Graph, isBlockQuantDType } from "../../ir/index.js";
import type { Pass, PassContext } from "./pass.js";

function run(graph: Graph, ctx: PassContext): boolean {
  let changed = false;
  for (const node of graph.ops()) {
    if (node.op !== "matmul") continue;
    const w = node.operands[1]!;
    const def = graph.definition(w)?.entity;
    if (def?.kind !== "const" || !isBlockQuantDType(def.type.dtype)) continue;
    graph.replaceOp(node, [{ op: "matmul_q8", operands: node.operands, results: node.results, attrs: {}, loc: node.loc }]);
    const [rows, cols] = def.type.shape as [number, number];
    ctx.note(`%${node.results[0]} = matmul(%${w}: ${def.type.dtype} [${rows}, ${cols}]) -> matmul_q8: the input quantized to int8 per block of ${BLOCK_QUANT[def.type.dtype].block}, integer dot products (as llama.cpp)`);
    changed = true;
  }
  return changed;
}

export const integerHeadPass: Pass = {
  name: "integer-head",
  exact: false,
  approximate: true,
  summary: "matmul on a q8_0/q6_k weight -> matmul_q8: int8 input per block, integer dot products (llama.cpp's head)",
  description:
    "Every matmul whose weight is a q8_0 or q6_k constant becomes matmul_q8, which quantizes its input to int8 per " +
    "weight block (32 or 256 inputs) and sums integer products of the codes, one float multiply per block, as " +
    "llama.cpp and bitnet.cpp compute a block-quantized head. Not exact: the logits move by the input's rounding " +
    "to int8 (the README gives the measured error). The weight is unchanged.",
  run,
};
