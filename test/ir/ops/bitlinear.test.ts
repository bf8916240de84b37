// BitLinear by hand: a 4x8 layer worked out on paper, the rounding tie case, and L0 == L1 bit for bit.
import { describe, expect, it } from "vitest";
import { absmeanQuantize, actQuantRows, f32, interpret, loadTir, printGraph, type Tensor, tensorFromValues, toNumbers } from "../../../ir/index.js";
import { expandBitlinear } from "../../../src/passes/expandBitlinear.js";
import { Rng } from "../../../src/util/random.js";

const W_4x8 = ['"+0-0+-00"', '"0+0-0+0-"', '"--++00+-"', '"00000000"'];

function bitlinearGraph(x: string, ws: string): string {
  return `graph @bl {
  input %x : f32[T, 8]
  const %w : ternary[4, 8] = trits<${W_4x8.join(", ")}>
  const %ws : f32[] = dense<${ws}>
  %y = bitlinear(%x, %w, %ws)
  output %y
}
${x}`;
}

function run(text: string, inputs: Record<string, Tensor>): number[] {
  return toNumbers(interpret(loadTir(text), inputs).y!);
}

describe("bitlinear, worked by hand", () => {
  it("4x8 layer: quantize, add/sub, rescale", () => {
    // x = [127, -63.5, 2, 0, -1, 10, 0.25, 40]: max |x| = 127, so q = 127/127 = 1 and xq = rne(x):
    // xq = [127, -64 (tie -63.5 -> -64, even), 2, 0, -1, 10, 0 (0.25), 40]; activation scale = 127/127 = 1.
    // Row 0 "+0-0+-00": +127 - 2 + (-1) - 10 = 114
    // Row 1 "0+0-0+0-": -64 - 0 + 10 - 40 = -94
    // Row 2 "--++00+-": -127 + 64 + 2 + 0 + 0 - 40 = -101
    // Row 3 all zero: 0.      y = acc * 0.25 * 1
    const x = tensorFromValues("f32", [1, 8], [127, -63.5, 2, 0, -1, 10, 0.25, 40]);
    expect(run(bitlinearGraph("", "0.25"), { x })).toEqual([28.5, -23.5, -25.25, 0]);
  });

  it("per-token scales: a second token at half the magnitude quantizes to the same ints", () => {
    // Token 1 = token 0 / 2: m = 63.5, q = 2, xq identical, activation scale 0.5, so y halves.
    const x = tensorFromValues("f32", [2, 8], [127, -63.5, 2, 0, -1, 10, 0.25, 40, 63.5, -31.75, 1, 0, -0.5, 5, 0.125, 20]);
    expect(run(bitlinearGraph("", "0.25"), { x })).toEqual([28.5, -23.5, -25.25, 0, 14.25, -11.75, -12.625, 0]);
  });

  it("act_quant rounds exact ties half to even", () => {
    // max |x| = 127 so x*q = x exactly: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> -0, -1.5 -> -2, -2.5 -> -2, 3.5 -> 4.
    const { xq, scale } = actQuantRows(Float32Array.of(0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 127), 1, 8);
    expect([...xq]).toEqual([0, 2, 2, 0, -2, -2, 4, 127]);
    expect(scale[0]).toBe(f32(127 / 127));
  });

  it("act_quant: an all-zero row uses the 1e-5 floor and stays zero", () => {
    const { xq, scale } = actQuantRows(new Float32Array(4), 1, 4);
    expect([...xq]).toEqual([0, 0, 0, 0]);
    expect(scale[0]).toBe(f32(f32(1e-5) / 127));
  });

  it("absmean quantization: scale = mean |W|, values rounded and clipped", () => {
    // mean |W| = (0.2 + 0.1 + 0.3 + 0.0 + 0.6 + 0.05 + 0.15 + 0.2) / 8 = 0.2
    const { trits, scale } = absmeanQuantize(Float32Array.of(0.2, -0.1, 0.3, 0, -0.6, 0.05, 0.15, -0.2));
    expect(scale).toBe(f32(0.2));
    // W / s = 1, -0.5 (tie -> -0), 1.5 (tie -> 2, clipped to 1), 0, -3 (-> -1), 0.25, 0.75, -1
    expect(Array.from({ length: 8 }, (_, i) => trits.get(i))).toEqual([1, 0, 1, 0, -1, 0, 1, -1]);
  });

  it("a float master weight gives the same output as its absmean-quantized form", () => {
    const rng = new Rng(7);
    const w = Array.from({ length: 32 }, () => rng.normal() * 0.1);
    const x = tensorFromValues("f32", [3, 8], Array.from({ length: 24 }, () => rng.normal()));
    const q = absmeanQuantize(Float32Array.from(w));
    const rows = Array.from({ length: 4 }, (_, r) => `"${Array.from({ length: 8 }, (_, i) => "-0+"[q.trits.get(r * 8 + i) + 1]).join("")}"`);
    const floatForm = `graph @f {\n  input %x : f32[T, 8]\n  const %w : f32[4, 8] = dense<[${w.map((v) => f32(v)).join(", ")}]>\n  %y = bitlinear(%x, %w)\n  output %y\n}\n`;
    const ternaryForm = `graph @t {\n  input %x : f32[T, 8]\n  const %w : ternary[4, 8] = trits<${rows.join(", ")}>\n  const %s : f32[] = dense<${q.scale}>\n  %y = bitlinear(%x, %w, %s)\n  output %y\n}\n`;
    expect(run(floatForm, { x })).toEqual(run(ternaryForm, { x }));
  });
});

describe("group-wise weight scales", () => {
  it("each group of inputs is scaled by its own block scale", () => {
    // k = 8 in two groups of 4. x = [4, 0, 2, 0, 127, 0, 0, 0] quantizes to itself (max 127).
    // Row "+0+0+000": group 0 sums 4 + 2 = 6, group 1 sums 127. Scales [0.5, 0.25]: 6*0.5 + 127*0.25 = 34.75.
    const text = `graph @g {
  input %x : f32[T, 8]
  const %w : ternary[1, 8] = trits<"+0+0+000">
  const %s : f32[1, 2] = dense<[0.5, 0.25]>
  %y = bitlinear(%x, %w, %s) {group = 4}
  output %y
}
`;
    expect(run(text, { x: tensorFromValues("f32", [1, 8], [4, 0, 2, 0, 127, 0, 0, 0]) })).toEqual([34.75]);
  });
  it("a group scale shape that does not fit is rejected", () => {
    const text = `graph @g {\n  input %x : f32[T, 8]\n  const %w : ternary[1, 8] = trits<"+0+0+000">\n  const %s : f32[1] = dense<[0.5]>\n  %y = bitlinear(%x, %w, %s) {group = 4}\n  output %y\n}\n`;
    expect(() => loadTir(text)).toThrow("operand 's' must be f32[1, 2] (one scale per output and group), got f32[1]");
    expect(() => loadTir(text.replace("group = 4", "group = 3"))).toThrow("attribute 'group' (3) must divide the input features (8)");
  });
});

describe("L0 bitlinear and its L1 expansion agree bit for bit", () => {
  it("with group-wise scales, 20 seeded layers", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new Rng(seed * 7 + 3);
      const group = rng.pick([1, 2, 4, 8]);
      const k = group * rng.int(1, 6);
      const n = rng.int(1, 9);
      const t = rng.int(1, 4);
      const groups = k / group;
      const rows = Array.from({ length: n }, () => `"${Array.from({ length: k }, () => "-0+"[rng.trit() + 1]).join("")}"`);
      const scales = Array.from({ length: n * groups }, () => f32(rng.next()));
      const mode = rng.pick(["per_token", "none"]);
      const text = `graph @l0 {
  input %x : f32[T, ${k}]
  const %w : ternary[${n}, ${k}] = trits<${rows.join(", ")}>
  const %s : f32[${n}, ${groups}] = dense<[${scales.join(", ")}]>
  %y = bitlinear(%x, %w, %s) {act_quant = "${mode}", group = ${group}}
  output %y
}
`;
      const x = tensorFromValues("f32", [t, k], Array.from({ length: t * k }, () => rng.normal()));
      const l0 = loadTir(text);
      const before = interpret(l0, { x }).y!;
      expandBitlinear(l0);
      const l1 = loadTir(printGraph(l0));
      expect(printGraph(l1)).toContain(`ternary_matmul(`);
      expect(interpret(l1, { x }).y!.data, `seed ${seed}`).toEqual(before.data);
    }
  });

  for (const mode of ["per_token", "none"] as const) {
    for (const scaleShape of ["[]", "[n]"] as const) {
      it(`act_quant=${mode}, weight scale ${scaleShape}, 20 seeded layers`, () => {
        for (let seed = 1; seed <= 20; seed++) {
          const rng = new Rng(seed * 31 + (mode === "none" ? 1 : 0));
          const k = rng.int(1, 70);
          const n = rng.int(1, 40);
          const t = rng.int(1, 5);
          const rows = Array.from({ length: n }, () => `"${Array.from({ length: k }, () => "-0+"[rng.trit() + 1]).join("")}"`);
          const scales = scaleShape === "[]" ? [f32(rng.next())] : Array.from({ length: n }, () => f32(rng.next()));
          const text = `graph @l0 {
  input %x : f32[T, ${k}]
  const %w : ternary[${n}, ${k}] = trits<${rows.join(", ")}>
  const %s : f32[${scaleShape === "[]" ? "" : n}] = dense<[${scales.join(", ")}]>
  %y = bitlinear(%x, %w, %s) {act_quant = "${mode}"}
  output %y
}
`;
          const x = tensorFromValues("f32", [t, k], Array.from({ length: t * k }, () => rng.normal() * 10 ** rng.int(-2, 2)));
          const l0 = loadTir(text);
          const before = toNumbers(interpret(l0, { x }).y!);
          expect(expandBitlinear(l0)).toBe(1);
          const l1 = loadTir(printGraph(l0));
          expect(l1.ops().map((o) => o.op)).toEqual(mode === "none" ? ["ternary_matmul", "dequant"] : ["act_quant", "ternary_matmul", "dequant"]);
          const after = toNumbers(interpret(l1, { x }).y!);
          expect(after.map((v) => Object.is(v, -0) ? 0 : v)).toEqual(before.map((v) => Object.is(v, -0) ? 0 : v));
          expect(Float32Array.from(after)).toEqual(Float32Array.from(before));
        }
      });
    }
  }
});
