// npm run bench:import: time and peak memory of `ternc inspect` and `ternc import` on a model with the
// exact shape of bitnet-b1.58-2B-4T (TQ2_0 weights, Q6_K embedding), generated in a temporary folder.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BITNET_2B4T_SHAPE, writeLargeBitnetGguf } from "./lib/largeModel.js";
import { measureTernc } from "./lib/measure.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-bench-import-"));
try {
  const model = join(dir, "bitnet-2b4t-shape-tq2_0.gguf");
  let t0 = performance.now();
  writeLargeBitnetGguf(model, BITNET_2B4T_SHAPE);
  const size = statSync(model).size;
  const mib = (b: number): string => `${(b / (1 << 20)).toFixed(0)} MiB`;
  console.log(`generated ${model}: ${mib(size)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const rows: string[][] = [];
  for (const [step, args, bound] of [
    ["inspect", ["inspect", model], 300 << 20],
    ["import", ["import", model, "-o", join(dir, "model.tir")], size + (300 << 20)],
  ] as const) {
    t0 = performance.now();
    const m = measureTernc([...args]);
    if (m.code !== 0) throw new Error(`${step} failed: ${m.stderr}`);
    rows.push([step, m.seconds.toFixed(2), mib(m.maxRssBytes), mib(bound), m.maxRssBytes <= bound ? "yes" : "NO"]);
  }
  console.log("\n| step | seconds | peak RSS | bound | within |\n| --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  console.log(`\nmodel file: ${mib(size)} (${BITNET_2B4T_SHAPE.layers} layers, hidden ${BITNET_2B4T_SHAPE.hidden}, vocab ${BITNET_2B4T_SHAPE.vocab}); bound for import = file size + 300 MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
