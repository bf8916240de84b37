// merge-shared-products: ternary products that read the same quantized activation and rescale with the same
// activation scale (q, k and v; gate and up) become one product over the stacked weights and one dequant,
// sliced apart afterwards. Every element is computed by the same operations, so this is bit for bit exact.
import { asF32, type Graph, type OpNode, TernaryArray } from "../../ir/index.js";
import type { Pass, PassContext } from "./pass.js";

interface Member {
  matmul: OpNode;
  dequant: OpNode;
  rows: number;
  weight: TernaryArray;
  scales: Float32Array;
}

function run(graph: Graph, ctx: PassContext): boolean {
  const groups = new Map<string, Member[]>();
  for (const mm of graph.ops()) {
    if (mm.op !== "ternary_matmul" || mm.attrs.group !== undefined || graph.typeOf(mm.operands[0]!)?.dtype !== "i8") continue;
    const w = graph.definition(mm.operands[1]!)?.entity;
    const users = graph.users(mm.results[0]!);
    const dq = users[0];
    if (w?.kind !== "const" || users.length !== 1 || dq?.op !== "dequant" || dq.operands[0] !== mm.results[0] || dq.operands[2] === undefined) continue;
    if (graph.outputs.some((o) => o.name === mm.results[0])) continue;
    const ws = graph.definition(dq.operands[1]!)?.entity;
    if (ws?.kind !== "const") continue;
    const [rows, k] = w.type.shape as [number, number];
    const s = asF32(ctx.loadConst(ws));
    const key = `${mm.operands[0]}|${dq.operands[2]}|${k}|${dq.attrs.fused === true}`;
    const list = groups.get(key) ?? [];
    list.push({ matmul: mm, dequant: dq, rows, weight: ctx.loadConst(w).data as TernaryArray, scales: s.length === 1 ? new Float32Array(rows).fill(s[0]!) : s });
    groups.set(key, list);
  }
  let changed = false;
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const first = members[0]!;
    const [xq, , xs] = [first.matmul.operands[0]!, undefined, first.dequant.operands[2]!];
    const k = first.weight.length / first.rows;
    const total = members.reduce((a, m) => a + m.rows, 0);
    const stacked = new TernaryArray(total * k);
    const scales = new Float32Array(total);
    let row = 0;
    for (const m of members) {
      stacked.setFrom(m.weight, row * k);
      scales.set(m.scales, row);
      row += m.rows;
    }
    const base = first.dequant.results[0]!;
    const w = graph.freshName(`${base}.merged_w`);
    const s = graph.freshName(`${base}.merged_scale`);
    const acc = graph.freshName(`${base}.merged_acc`);
    const y = graph.freshName(`${base}.merged`);
    // One scale for all rows when they agree, so a per-tensor scale stays one multiply per token.
    const uniform = scales.every((v) => v === scales[0]);
    graph.addConst(w, { dtype: "ternary", shape: [total, k] }, { kind: "inline", tensor: { dtype: "ternary", shape: [total, k], data: stacked } });
    graph.addConst(s, { dtype: "f32", shape: uniform ? [] : [total] }, { kind: "inline", tensor: { dtype: "f32", shape: uniform ? [] : [total], data: uniform ? scales.subarray(0, 1).slice() : scales } });
    graph.addOp({ op: "ternary_matmul", operands: [xq, w], results: [acc] });
    graph.addOp({ op: "dequant", operands: [acc, s, xs], results: [y], attrs: first.dequant.attrs.fused === true ? { fused: true } : {} });
    let start = 0;
    for (const m of members) {
      graph.replaceOp(m.dequant, [{ op: "slice", operands: [y], results: m.dequant.results, attrs: { axis: 1, start, size: m.rows }, loc: m.dequant.loc }]);
      graph.removeOp(m.matmul);
      start += m.rows;
    }
    ctx.note(`${members.map((m) => `%${m.dequant.results[0]}`).join(", ")}: one product of ${total} x ${k} and one dequant`);
    changed = true;
  }
  return changed;
}

export const mergeSharedProductsPass: Pass = {
  name: "merge-shared-products",
  exact: true,
  summary: "one product and one dequant for the projections that share an activation (q/k/v, gate/up)",
  description:
    "Ternary products of one quantized activation whose dequants share the activation scale are stacked: the weights " +
    "row after row, the weight scales per row (one scale if they agree, as after fold-scales), then one ternary_matmul, " +
    "one dequant and a slice per original result. Each element is computed by the same operations: bit for bit exact.",
  run,
};
