// Loads every lazy weight, so graphs of different files can be printed and compared as text.
import type { Tensor } from "../../ir/index.js";
import type { BitnetWeights, LinearWeight, WeightRef } from "../../src/frontend/bitnetGraph.js";

const m = (w: WeightRef): Tensor => ("load" in w ? w.load() : w);
const mo = (w: WeightRef | undefined): Tensor | undefined => (w ? m(w) : undefined);
const lin = (l: LinearWeight): LinearWeight => ({ ...l, weight: m(l.weight), scale: mo(l.scale), outScale: mo(l.outScale) });

export function materializeWeights(w: BitnetWeights): BitnetWeights {
  return {
    tokenEmbd: m(w.tokenEmbd),
    outputNorm: m(w.outputNorm),
    output: mo(w.output),
    blocks: w.blocks.map((b) => ({
      ...b,
      attnNorm: m(b.attnNorm),
      ffnNorm: m(b.ffnNorm),
      attnSubNorm: mo(b.attnSubNorm),
      ffnSubNorm: mo(b.ffnSubNorm),
      q: lin(b.q),
      k: lin(b.k),
      v: lin(b.v),
      o: lin(b.o),
      gate: lin(b.gate),
      up: lin(b.up),
      down: lin(b.down),
    })),
  };
}
