// End to end on simulated hardware: the Verilog build of both architectures, every ternary product computed by the
// generated RTL in iverilog or verilator (the host ops in the C host program, or in the interpreter with --host
// interpreter), judged by `ternc validate`: the core's
// accumulators and requantized values bit-exact, logits equal, 32 identical greedy tokens, and every product's
// simulated cycles equal to the cycle model. iverilog is slow (about 250k weights a second here), so it runs the small
// odd-shaped models and verilator the example GGUF and a Hugging Face folder.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IrError } from "../../../ir/index.js";
import { TINY_BITNET_LLAMA_FORM } from "../../../src/frontend/randomBitnet.js";
import type { BitnetHParams } from "../../../src/frontend/bitnetGraph.js";
import { type ValidationReport, validateModel } from "../../../src/targets/validate.js";
import { ROOT } from "../../helpers/cli.js";
import { expectModelPass } from "../../helpers/validation.js";
import { ODD_2B4T, writeGroupedGguf, writeHfLlama, writeTirModel } from "../../helpers/cModels.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-verilog-validate-"));

/** LLaMA form, small enough for iverilog: hidden 36 (3 heads of 12), FFN 76, vocab 41. */
const SMALL_LLAMA: BitnetHParams = { ...TINY_BITNET_LLAMA_FORM, hidden: 36, intermediate: 76, heads: 3, kvHeads: 3, headDim: 12, vocab: 41, layers: 2 };

async function expectPass(model: string, options: Record<string, string | number>, promptLength = 5): Promise<ValidationReport> {
  const r = await validateModel(model, { target: "verilog", steps: 32, promptLength, seed: 4, options });
  expectModelPass(r);
  expect(r.engine).toMatch(options.host === "interpreter" ? /host ops in ternc's interpreter$/ : /host ops in C, /);
  expect(r.targetChecks.map((c) => [c.what, c.ok])).toEqual([["cycles", true]]);
  expect(r.facts.simulator).toBe(options.simulator);
  expect(r.facts.commands).toBeGreaterThan(0);
  expect(Object.values(r.kernels).filter((k) => k.startsWith("rtl ")).length).toBeGreaterThan(0);
  // Every product's dequant ran in the core too (per-tensor scales become one fixed-point multiplier).
  expect(Object.values(r.kernels)).toContain("rtl requant");
  // ... and every activation quantization (act_quant_fixed).
  expect(Object.values(r.kernels).filter((k) => k.startsWith("rtl act_quant")).length).toBeGreaterThan(0);
  return r;
}

describe("ternc validate --target verilog", () => {
  it("iverilog: odd 2B4T shapes (hidden 40, FFN 200, 5 heads on 1 KV head), 3 rows x 5 lanes, attention layers hardwired", async () => {
    const r = await expectPass(writeTirModel(dir, "odd-2b4t", ODD_2B4T, 7), { simulator: "iverilog", rows: 3, lanes: 5, hardwireBelow: 2000 });
    // q, k, v and the output projection (<= 1600 weights) are adder networks; the FFN products are folded units.
    expect(Object.entries(r.kernels).filter(([, k]) => k === "rtl hardwired").map(([name]) => name.split(".")[2])).toEqual(["q", "k", "v", "attn_out", "q", "k", "v", "attn_out"]);
    expect(new Set(Object.values(r.kernels))).toContain("rtl 3x5");
  });
  it("iverilog: a small LLaMA form (SiLU, hidden 36, FFN 76), one prompt token", async () => void (await expectPass(writeTirModel(dir, "small-llama", SMALL_LLAMA, 8, { tiedHead: false }), { simulator: "iverilog" }, 1)));
  it("iverilog, the host in ternc's interpreter: the small LLaMA form", async () => void (await expectPass(writeTirModel(dir, "small-llama-interp", SMALL_LLAMA, 8, { tiedHead: false }), { simulator: "iverilog", host: "interpreter" })));
  // Verilator compiles the testbench to C++ first: 25 s alone, over 60 s beside another heavy test file on 2 cores.
  it("verilator: the example GGUF (2B4T form, TQ2_0)", { timeout: 180_000 }, async () => void (await expectPass(join(ROOT, "examples/tiny-bitnet.gguf"), { simulator: "verilator" })));
  it("verilator: a Hugging Face folder (LLaMA form, packed weights, hidden 256)", { timeout: 180_000 }, async () => void (await expectPass(writeHfLlama(dir, 5), { simulator: "verilator" })));

  it("refuses what the core cannot compute, before writing anything", async () => {
    await expect(validateModel(writeGroupedGguf(dir, "grouped", 16), { target: "verilog", steps: 2 })).rejects.toThrow(/grouped products/);
    await expect(validateModel(writeTirModel(dir, "f32-acts", ODD_2B4T, 3, { actQuant: "none" }), { target: "verilog", steps: 2 })).rejects.toThrow(IrError);
  });
});
