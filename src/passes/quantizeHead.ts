// quantize-head: an opt-in, lossy pass that stores the float weights of matmul (the LM head; with a tied head,
// the embedding too) as q8_0, int8 codes with one f16 scale per 32 weights: 1.06 bytes a weight instead of 2
// (f16, bf16) or 4 (f32), which on the 2B4T shape is most of the bytes a decode step reads.
import { asF32, BLOCK_QUANT, decodeBlockQuant, encodeQ8_0, type Graph, storageBytes, tensorFromBytes } from "../../ir/index.js";
import { UserError } from "../errors.js";
import type { Pass, PassContext } from "./pass.js";

const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function run(graph: Graph, ctx: PassContext): boolean {
  if ((ctx.options.type ?? "q8_0") !== "q8_0") throw new UserError(`quantize-head: type '${ctx.options.type}' is not supported (only q8_0)`);
  const done = new Map<string, string>();
  let changed = false;
  for (const node of graph.ops()) {
    if (node.op !== "matmul") continue;
    const w = node.operands[1]!;
    const def = graph.definition(w)?.entity;
    if (def?.kind !== "const" || !["f32", "f16", "bf16"].includes(def.type.dtype) || done.has(w)) continue;
    const [rows, cols] = def.type.shape as [number, number];
    if (cols % BLOCK_QUANT.q8_0.block !== 0) {
      ctx.note(`%${w}: kept as ${def.type.dtype} (rows of ${cols} are not whole q8_0 blocks of 32)`);
      continue;
    }
    const values = asF32(ctx.loadConst(def));
    const bytes = encodeQ8_0(values);
    // The error, one block at a time (a second decoded copy of a 2B4T head would be 1.3 GB).
    const { block, bytes: blockBytes } = BLOCK_QUANT.q8_0;
    const back = new Float32Array(block);
    let err = 0;
    let max = 0;
    for (let b = 0; b < values.length / block; b++) {
      decodeBlockQuant("q8_0", bytes.subarray(b * blockBytes, (b + 1) * blockBytes), block, back);
      for (let j = 0; j < block; j++) {
        err = Math.max(err, Math.abs(back[j]! - values[b * block + j]!));
        max = Math.max(max, Math.abs(values[b * block + j]!));
      }
    }
    const name = graph.freshName(`${w}.q8_0`);
    graph.addConst(name, { dtype: "q8_0", shape: [rows, cols] }, { kind: "inline", tensor: tensorFromBytes("q8_0", [rows, cols], bytes) });
    const users = graph.users(w);
    for (const user of users) {
      graph.replaceOp(user, [{ op: user.op, operands: user.operands.map((o) => (o === w ? name : o)), results: user.results, attrs: user.attrs, loc: user.loc }]);
    }
    if (!graph.outputs.some((o) => o.name === w)) graph.removeConst(def);
    const readers = [...new Set(users.map((u) => u.op))].join(" and ");
    ctx.note(
      `%${w} (${readers}): ${def.type.dtype} -> q8_0, LOSSY: largest weight error ${err.toPrecision(3)} (${((100 * err) / Math.max(max, 1e-30)).toFixed(2)}% of the largest |w|), ` +
        `${MB(storageBytes(def.type.dtype, values.length))} -> ${MB(bytes.length)}`,
    );
    done.set(w, name);
    changed = true;
  }
  return changed;
}

export const quantizeHeadPass: Pass = {
  name: "quantize-head",
  exact: false,
  lossy: true,
  summary: "opt-in, lossy: matmul's float weights (the LM head, and a tied embedding) to q8_0",
  description:
    "Every float constant read by matmul becomes q8_0 (per block of 32 weights d = f16(max|w| / 127), q = clamp(rne(w / d), " +
    "-127, 127)); its other readers (a tied embedding) read the q8_0 copy too. Not exact: a note per tensor gives the " +
    "largest weight error and the bytes saved. Not in any default pipeline (ternc compile --int8-head).",
  options: { type: "the stored type; only q8_0" },
  run,
};
