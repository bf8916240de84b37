// The L2 forms of a ternary product are exact, and the lookup table saves additions on real shapes.
import { describe, expect, it } from "vitest";
import { type ConstDecl, interpret, loadTir, lutBuild, lutMatmul, packTernaryRows, runAddSubNetwork, type Tensor, TernaryArray, tensorFromValues, ternaryMatmulInt, unpackTernaryRows } from "../../../ir/index.js";
import { buildBitnetGraph } from "../../../src/frontend/bitnetGraph.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM } from "../../../src/frontend/randomBitnet.js";
import { buildAddSubNetwork } from "../../../src/passes/addSubNetwork.js";
import { additionCounts } from "../../../src/passes/lowerTernaryMatmul.js";
import { runPipeline } from "../../../src/passes/manager.js";
import { DEFAULT_PIPELINES } from "../../../src/passes/registry.js";
import { Rng } from "../../../src/util/random.js";

function randomCase(seed: number): { x: Int8Array; w: TernaryArray; t: number; k: number; n: number } {
  const rng = new Rng(seed);
  const t = rng.int(1, 3);
  const k = rng.int(1, 37);
  const n = rng.int(1, 20);
  const x = Int8Array.from({ length: t * k }, () => rng.int(-128, 127));
  const w = TernaryArray.from(Array.from({ length: n * k }, () => rng.trit(rng.next())));
  return { x, w, t, k, n };
}

describe("L2 forms compute ternary_matmul exactly", () => {
  it("the lookup table, every group size, widths that are not multiples of it", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const { x, w, t, k, n } = randomCase(seed);
      const want = ternaryMatmulInt(x, w, t, k, n);
      for (const g of [1, 2, 3, 4, 5]) expect(lutMatmul(lutBuild(x, t, k, g), w, t, k, n, g), `seed ${seed}, g ${g}`).toEqual(want);
    }
  });
  it("the add/sub network, with fewer additions than one per non-zero weight", () => {
    let shared = 0;
    let plain = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { x, w, t, k, n } = randomCase(seed);
      const net = buildAddSubNetwork(w, n, k);
      expect(runAddSubNetwork(x, t, k, Int32Array.from(net.program), Int32Array.from(net.outputs)), `seed ${seed}`).toEqual(ternaryMatmulInt(x, w, t, k, n));
      expect(net.additions).toBeLessThanOrEqual(net.plainAdditions);
      shared += net.additions;
      plain += net.plainAdditions;
    }
    expect(shared).toBeLessThan(plain * 0.9);
  });
});

describe("pack-weights layouts", () => {
  it("pack and unpack every row width, both formats", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { w, k, n } = randomCase(seed);
      for (const format of ["i2", "tq1"] as const) {
        const packed = packTernaryRows(w, n, k, format);
        expect(packed.length).toBe(n * Math.ceil(k / (format === "i2" ? 4 : 5)));
        expect(unpackTernaryRows(packed, n, k, format).codes).toEqual(w.codes);
      }
    }
  });
  it("the byte layouts, by hand", () => {
    const w = TernaryArray.from([1, -1, 0, 1, -1]);
    // i2: codes 2, 0, 1, 2 | 0 (padding code 1): byte 0 = 2 + 0<<2 + 1<<4 + 2<<6 = 0b10_01_00_10; byte 1 = 0 + 1<<2 + 1<<4 + 1<<6
    expect([...packTernaryRows(w, 1, 5, "i2")].map((b) => b & 0xff)).toEqual([0b10010010, 0b01010100]);
    // tq1: codes 2, 0, 1, 2, 0 -> 2*81 + 0*27 + 1*9 + 2*3 + 0 = 177
    expect([...packTernaryRows(w, 1, 5, "tq1")].map((b) => b & 0xff)).toEqual([177]);
    // Rows of whole bytes (k = 4): i2 is TernaryArray's own storage, row after row.
    const v = TernaryArray.from([1, -1, 0, 1, -1, 0, 0, 1]);
    expect([...packTernaryRows(v, 2, 4, "i2")].map((b) => b & 0xff)).toEqual([0b10010010, 0b10010100]);
  });
});

describe("after the default pipeline", () => {
  it("no multiply remains inside any ternary product: only add/sub forms read ternary weights", () => {
    const hp = { ...TINY_BITNET_2B4T_FORM, hidden: 256, intermediate: 512, headDim: 64, layers: 2 };
    for (const weights of ["float", "ternary"] as const) {
      const g = buildBitnetGraph(hp, randomBitnetWeights(hp, 8, { weights }), { kvCache: true });
      runPipeline(g, DEFAULT_PIPELINES.interp!, { loadConst: (c: ConstDecl): Tensor => (c.data as { tensor: Tensor }).tensor }, { verifyEach: true });
      const ternaryReaders = g.ops().filter((n) => n.operands.some((v) => g.typeOf(v)?.dtype === "ternary" || /\.program$|\.outputs$/.test(v)));
      // Per layer: q/k/v stacked into one product, o, gate/up stacked into one, down.
      expect(ternaryReaders.length).toBe(4 * hp.layers);
      for (const n of ternaryReaders) expect(["ternary_matmul_packed", "lut_matmul", "addsub_network"], n.op).toContain(n.op);
      // Packed weights are i8 bytes, read only by the packed kernels.
      for (const c of g.consts().filter((c) => c.type.dtype === "i8")) expect(g.users(c.name).every((u) => u.op === "ternary_matmul_packed")).toBe(true);
      expect(g.ops().filter((n) => ["bitlinear", "ternary_matmul", "matmul"].includes(n.op)).map((n) => n.op)).toEqual(["matmul"]); // only the full-precision LM head
      // The large layers (256 x 512 and up) took the lookup-table form.
      expect(g.ops().some((n) => n.op === "lut_matmul")).toBe(true);
    }
  });
  it("a lowered graph runs in the interpreter like the original", () => {
    const text = `graph @g {\n  input %x : f32[T, 6]\n  const %w : ternary[3, 6] = trits<"+-0+0-", "0++0-0", "-00+++">\n  const %s : f32[] = dense<0.5>\n  %y = bitlinear(%x, %w, %s)\n  output %y\n}\n`;
    const x = tensorFromValues("f32", [2, 6], [1, -2, 3, 0.5, 9, -4, 0, 1, 2, 3, 4, 5]);
    for (const form of ["i2", "tq1", "lut", "addsub"]) {
      const g = loadTir(text);
      const before = interpret(g, { x }).y!.data;
      runPipeline(g, ["expand-bitlinear", `lower-ternary-matmul{form=${form},group=3}`, "pack-weights", "dce"], { loadConst: (c) => (c.data as { tensor: Tensor }).tensor }, { verifyEach: true });
      expect(interpret(g, { x }).y!.data, form).toEqual(before);
      if (form === "i2" || form === "tq1") expect(g.consts().map((c) => c.type.dtype)).not.toContain("ternary");
    }
  });
});

describe("additions per token on a 2560 x 6912 layer (the bitnet-b1.58-2B-4T FFN)", () => {
  it("the lookup-table form needs far fewer additions than one per non-zero weight", () => {
    const rng = new Rng(42);
    const [n, k] = [6912, 2560];
    const w = TernaryArray.from(Array.from({ length: n * k }, () => rng.trit()));
    const c = additionCounts(w, n, k, 4);
    expect(c.plain).toBeGreaterThan(0.6 * n * k); // about two thirds of the weights are non-zero
    expect(c.lut).toBeLessThan(c.plain / 2);
    // One table read per group of 4 with a non-zero weight (all but 1/81 of them), minus the first per row.
    expect(c.lut).toBeGreaterThan(0.95 * ((n * k) / 4));
  });
});
