// Seeded graphs of one op each (weights as constants, activations as [T, ...] inputs), for testing code generators op by op.
import { buildAddSubNetwork } from "../../src/passes/addSubNetwork.js";
import {
  type AttrValue,
  type DType,
  encodeQ8_0,
  f32ToF16Bits,
  fixedPointScale,
  getOp,
  Graph,
  lutBuild,
  lutEntries,
  packedRowBytes,
  type PackedFormat,
  packTernaryRows,
  roundHalfEven,
  runAddSubNetwork,
  sym,
  type Tensor,
  tensorFromBytes,
  tensorFromValues,
  TernaryArray,
  ternaryMatmulInt,
  verifyOrThrow,
} from "../../ir/index.js";
import { Rng } from "../../src/util/random.js";

export interface SingleOpCase {
  /** Unique and readable, e.g. "ternary_matmul_packed i2 x=i8 group=60 k=300 n=37 T=5". */
  name: string;
  /** The op under test: the graph's only op node. */
  op: string;
  /** Verified; named inputs (activations, first dim T) and outputs (every result of the op). */
  graph: Graph;
  /** A seeded value for every graph input, with T bound to a small number. */
  inputs: Record<string, Tensor>;
}

/** The ops a lowered (L2) graph may contain, each covered by several cases. */
export const SINGLE_OP_OPS = [
  "embedding",
  "rmsnorm",
  "softmax",
  "act_quant",
  "act_quant_fixed",
  "ternary_matmul_packed",
  "lut_build",
  "lut_matmul",
  "addsub_network",
  "dequant",
  "dequant_fixed",
  "slice",
  "concat",
  "rope",
  "attention",
  "matmul",
  "matmul_q8",
  "add",
  "mul",
  "silu",
  "relu2",
  "elementwise",
] as const;

/**
 * Ops with generators that the default leaves out: ternary_matmul is declared L1 and L2, but
 * lower-ternary-matmul replaces every one of them, so no backend sees it after lowering.
 */
export const EXTRA_SINGLE_OP_OPS = ["ternary_matmul"] as const;

/** Token counts cycled through the cases, so kernels meet 1 token (decode) and odd batches. */
const TOKENS = [1, 3, 5, 7] as const;

const T = sym("T");

type Attrs = Record<string, AttrValue>;

/** Builds one case's operands: declares inputs and constants on the graph and draws their values. */
class CaseBuilder {
  readonly inputs: Record<string, Tensor> = {};

  constructor(
    readonly graph: Graph,
    readonly rng: Rng,
    readonly tokens: number,
  ) {}

  /** An activation of type dtype[T, ...rest]. */
  input(name: string, dtype: DType, rest: readonly number[], values: (count: number) => ArrayLike<number>): string {
    const shape = [this.tokens, ...rest];
    this.graph.addInput(name, { dtype, shape: [T, ...rest] });
    this.inputs[name] = tensorFromValues(dtype, shape, values(shape.reduce((a, b) => a * b, 1)));
    return name;
  }

  f32Input(name: string, rest: readonly number[], scale = 2): string {
    return this.input(name, "f32", rest, (n) => this.floats(n, scale));
  }

  i8Input(name: string, rest: readonly number[]): string {
    return this.input(name, "i8", rest, (n) => this.ints(n, -128, 127));
  }

  /** Integer accumulators of a realistic size (int8 x trit sums over a few thousand inputs). */
  accInput(name: string, rest: readonly number[]): string {
    return this.input(name, "i32", rest, (n) => this.ints(n, -(2 ** 20) + 1, 2 ** 20 - 1));
  }

  /** Activation scales as act_quant makes them: max|x| / 127 for rows of moderate floats. */
  xsInput(name = "xs"): string {
    return this.input(name, "f32", [], (n) => this.positive(n, 0.005, 0.06));
  }

  constant(name: string, tensor: Tensor): string {
    this.graph.addConst(name, { dtype: tensor.dtype, shape: tensor.shape }, { kind: "inline", tensor });
    return name;
  }

  f32Const(name: string, shape: readonly number[], scale = 2): string {
    return this.constant(name, tensorFromValues("f32", shape, this.floats(count(shape), scale)));
  }

  /** A [rows, cols] float weight stored as `dtype` (block-quantized types: cols whole blocks). */
  weightConst(name: string, dtype: "f32" | "f16" | "bf16" | "q8_0" | "q6_k", rows: number, cols: number): string {
    const shape = [rows, cols];
    if (dtype === "q8_0") return this.constant(name, tensorFromBytes("q8_0", shape, encodeQ8_0(this.floats(rows * cols, 2))));
    if (dtype === "q6_k") return this.constant(name, tensorFromBytes("q6_k", shape, this.q6kBlocks((rows * cols) / 256)));
    return this.constant(name, tensorFromValues(dtype, shape, this.floats(rows * cols, 2)));
  }

  /** A ternary [n, k] weight constant, trits uniform over -1/0/1 unless zeroShare says otherwise. */
  ternaryConst(name: string, n: number, k: number, zeroShare = 1 / 3): string {
    return this.constant(name, { dtype: "ternary", shape: [n, k], data: this.trits(n * k, zeroShare) });
  }

  floats(n: number, scale: number): Float32Array {
    return Float32Array.from({ length: n }, () => this.rng.normal() * scale);
  }

  positive(n: number, lo: number, hi: number): Float32Array {
    return Float32Array.from({ length: n }, () => lo + this.rng.next() * (hi - lo));
  }

  ints(n: number, lo: number, hi: number): Int32Array {
    return Int32Array.from({ length: n }, () => this.rng.int(lo, hi));
  }

  trits(n: number, zeroShare = 1 / 3): TernaryArray {
    return TernaryArray.from(Array.from({ length: n }, () => this.rng.trit(zeroShare)));
  }

  /**
   * Random but valid Q6_K blocks: any ql/qh bits are valid 6-bit codes and any int8 sub-scales; the f16 super-scale
   * is finite and sized so values stay moderate (|d * scale * q| <= 3.75e-4 * 127 * 32 ~ 1.5).
   */
  private q6kBlocks(blocks: number): Uint8Array {
    const out = new Uint8Array(blocks * 210);
    for (let b = 0; b < blocks; b++) {
      const o = b * 210;
      for (let i = 0; i < 192; i++) out[o + i] = this.rng.int(0, 255);
      for (let i = 0; i < 16; i++) out[o + 192 + i] = this.rng.int(-127, 127) & 0xff;
      const d = f32ToF16Bits((0.5 + this.rng.next()) * 2.5e-4);
      out[o + 208] = d & 0xff;
      out[o + 209] = d >> 8;
    }
    return out;
  }
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

interface Variant {
  /** The name of the case after the op (T is appended). */
  label: string;
  build(b: CaseBuilder): { operands: string[]; attrs?: Attrs };
}


function elementwiseUnary(shapes: ReadonlyArray<readonly number[]>): Variant[] {
  return shapes.map((rest) => ({ label: `x=[T, ${rest.join(", ")}]`, build: (b) => ({ operands: [b.f32Input("x", rest)] }) }));
}

function ternaryProductVariants(packed: boolean): Variant[] {
  const cases: Array<{ format: PackedFormat; x: "i8" | "f32"; k: number; n: number; group?: number; prepacked?: boolean; zeroShare?: number }> = [
    { format: "i2", x: "i8", k: 200, n: 37 },
    { format: "tq1", x: "i8", k: 37, n: 53 },
    { format: "i2", x: "f32", k: 37, n: 7 },
    { format: "tq1", x: "f32", k: 200, n: 37 },
    { format: "i2", x: "i8", k: 300, n: 37, group: 60 },
    { format: "tq1", x: "i8", k: 256, n: 37, group: 128 },
    { format: "i2", x: "f32", k: 168, n: 5, group: 56 },
    { format: "tq1", x: "i8", k: 5, n: 1 },
    // A mostly-zero weight: many packed bytes hold only zeros.
    { format: "i2", x: "i8", k: 93, n: 53, zeroShare: 0.9 },
    { format: "i2", x: "i8", k: 37, n: 37, prepacked: true },
    { format: "i2", x: "i8", k: 200, n: 7, prepacked: true },
    { format: "tq1", x: "i8", k: 200, n: 37, group: 40, prepacked: true },
    { format: "tq1", x: "f32", k: 53, n: 5, prepacked: true },
  ];
  return cases
    .filter((c) => packed || !c.prepacked)
    .map((c) => ({
      label: [packed ? c.format : undefined, `x=${c.x}`, c.prepacked ? "w=i8-packed" : undefined, c.group ? `group=${c.group}` : undefined, c.zeroShare ? `zeros=${c.zeroShare}` : undefined, `k=${c.k}`, `n=${c.n}`]
        .filter((s) => s !== undefined)
        .join(" "),
      build: (b) => {
        const x = c.x === "i8" ? b.i8Input("x", [c.k]) : b.f32Input("x", [c.k]);
        let w: string;
        if (c.prepacked) {
          const trits = b.trits(c.n * c.k, c.zeroShare);
          w = b.constant("w", { dtype: "i8", shape: [c.n, packedRowBytes(c.format, c.k)], data: packTernaryRows(trits, c.n, c.k, c.format) });
        } else w = b.ternaryConst("w", c.n, c.k, c.zeroShare);
        const attrs: Attrs = packed ? { format: c.format } : {};
        if (c.group !== undefined) attrs.group = c.group;
        return { operands: [x, w], attrs };
      },
    }));
}

const GENERATORS: Readonly<Record<string, () => Variant[]>> = {
  embedding: () =>
    (
      [
        ["f32", 37, 37],
        ["f16", 53, 300],
        ["bf16", 7, 5],
        ["q8_0", 37, 224],
        ["q6_k", 7, 768],
        ["q6_k", 93, 256],
        ["f32", 1, 37],
      ] as const
    ).map(([dtype, vocab, d]) => ({
      label: `table=${dtype} vocab=${vocab} d=${d}`,
      build: (b) => ({ operands: [b.weightConst("table", dtype, vocab, d), b.input("ids", "i32", [], (n) => b.ints(n, 0, vocab - 1))] }),
    })),

  rmsnorm: () =>
    (
      [
        [[37], 1e-5],
        [[300], 1e-6],
        [[5], 0.5],
        [[3, 42], 1e-5],
        // Rows wider than the C runtime's TC_EW_GRAIN: its thread pool splits the rows (also act_quant, dequant, rope).
        [[4100], 1e-5],
      ] as const
    ).map(([rest, eps]) => ({
      label: `x=[T, ${rest.join(", ")}] eps=${eps}`,
      build: (b) => ({ operands: [b.f32Input("x", rest), b.f32Const("g", [rest[rest.length - 1]!])], attrs: { eps } }),
    })),

  softmax: () => elementwiseUnary([[37], [5], [300], [1], [3, 11]]),

  act_quant: () => [
    ...[37, 200, 5, 4100].map((k): Variant => ({ label: `k=${k}`, build: (b) => ({ operands: [b.f32Input("x", [k])] }) })),
    // Rows whose max|x| is below 1e-5: the scale floor decides every code.
    { label: "k=37 tiny", build: (b) => ({ operands: [b.f32Input("x", [37], 1e-7)] }) },
    { label: "k=53 large", build: (b) => ({ operands: [b.f32Input("x", [53], 1000)] }) },
  ],

  act_quant_fixed: () => [
    ...[37, 200, 5].map((k): Variant => ({ label: `k=${k}`, build: (b) => ({ operands: [b.f32Input("x", [k])] }) })),
    { label: "k=37 tiny", build: (b) => ({ operands: [b.f32Input("x", [37], 1e-7)] }) },
    { label: "k=53 large bits=12", build: (b) => ({ operands: [b.f32Input("x", [53], 1000)], attrs: { bits: 12 } }) },
    // max|x| an exact power of two (the exponent's boundary), and rows of zeros.
    { label: "k=8 powers of two", build: (b) => ({ operands: [b.input("x", "f32", [8], (n) => Float32Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * 2 ** ((i % 8) - 4)))] }) },
    { label: "k=9 zeros", build: (b) => ({ operands: [b.input("x", "f32", [9], (n) => new Float32Array(n))] }) },
  ],

  ternary_matmul_packed: () => ternaryProductVariants(true),

  ternary_matmul: () => ternaryProductVariants(false),

  lut_build: () =>
    (
      [
        [37, 1],
        [37, 3],
        [200, 4],
        [5, 2],
        [53, 4],
        [37, 5],
      ] as const
    ).map(([k, g]) => ({ label: `group=${g} k=${k}`, build: (b) => ({ operands: [b.i8Input("x", [k])], attrs: { group: g } }) })),

  lut_matmul: () =>
    (
      [
        [37, 3, 53],
        [200, 4, 37],
        [5, 2, 7],
        [53, 1, 5],
        [93, 4, 1],
      ] as const
    ).map(([k, g, n]) => ({
      label: `group=${g} k=${k} n=${n}`,
      build: (b) => {
        // The table is what lut_build makes of real int8 activations, so its entries are mutually consistent.
        const groups = Math.ceil(k / g);
        const table = b.input("table", "i32", [groups, lutEntries(g)], () => lutBuild(Int8Array.from(b.ints(b.tokens * k, -128, 127)), b.tokens, k, g));
        return { operands: [table, b.ternaryConst("w", n, k)], attrs: { group: g } };
      },
    })),

  addsub_network: () =>
    (
      [
        [37, 7, 1 / 3, 4],
        [5, 53, 0.6, 3],
        [53, 37, 1 / 3, 8],
        [13, 5, 0.8, 0],
      ] as const
    ).map(([k, n, zeroShare, rounds]) => ({
      label: `k=${k} n=${n} zeros=${zeroShare.toFixed(2)} shared=${rounds}`,
      build: (b) => {
        const x = b.i8Input("x", [k]);
        const trits = b.trits(n * k, zeroShare);
        const net = buildAddSubNetwork(trits, n, k, rounds);
        const xq = b.inputs[x]!.data as Int8Array;
        // The network must be the layer: check it against the dense product once, here, where the trits are known.
        const got = runAddSubNetwork(xq, b.tokens, k, Int32Array.from(net.program), Int32Array.from(net.outputs));
        const want = ternaryMatmulInt(xq, trits, b.tokens, k, n);
        if (got.some((v, i) => v !== want[i])) throw new Error(`addsub_network k=${k} n=${n}: the generated network is not the layer`);
        const program = b.constant("program", tensorFromValues("i32", [net.program.length / 3, 3], net.program));
        const outputs = b.constant("outputs", tensorFromValues("i32", [n, 2], net.outputs));
        return { operands: [x, program, outputs] };
      },
    })),

  dequant: () => [
    { label: "acc=i32 ws=scalar xs n=37", build: (b) => ({ operands: [b.accInput("acc", [37]), b.constant("ws", tensorFromValues("f32", [], b.positive(1, 0.2, 2))), b.xsInput()] }) },
    { label: "acc=i32 ws=per-row xs n=300", build: (b) => ({ operands: [b.accInput("acc", [300]), b.constant("ws", tensorFromValues("f32", [300], b.positive(300, 0.2, 2))), b.xsInput()] }) },
    { label: "acc=i32 ws=scalar no-xs n=5", build: (b) => ({ operands: [b.accInput("acc", [5]), b.constant("ws", tensorFromValues("f32", [], b.positive(1, 0.2, 2)))] }) },
    {
      label: "acc=f32 ws=per-row no-xs n=37",
      build: (b) => ({ operands: [b.f32Input("acc", [37], 50), b.constant("ws", tensorFromValues("f32", [37], b.positive(37, 0.2, 2)))] }),
    },
    { label: "fused ws=scalar n=37", build: (b) => ({ operands: [b.accInput("acc", [37]), b.constant("ws", tensorFromValues("f32", [], b.positive(1, 0.2, 2))), b.xsInput()], attrs: { fused: true } }) },
    { label: "fused ws=per-row n=53", build: (b) => ({ operands: [b.accInput("acc", [53]), b.constant("ws", tensorFromValues("f32", [53], b.positive(53, 0.2, 2))), b.xsInput()], attrs: { fused: true } }) },
    {
      label: "acc=i32 grouped groups=5 xs n=37",
      build: (b) => ({ operands: [b.accInput("acc", [37, 5]), b.constant("ws", tensorFromValues("f32", [37, 5], b.positive(185, 0.2, 2))), b.xsInput()] }),
    },
    { label: "acc=i32 ws=per-row xs n=4100", build: (b) => ({ operands: [b.accInput("acc", [4100]), b.constant("ws", tensorFromValues("f32", [4100], b.positive(4100, 0.2, 2))), b.xsInput()] }) },
    {
      label: "acc=f32 grouped groups=3 no-xs n=7",
      build: (b) => ({ operands: [b.f32Input("acc", [7, 3], 50), b.constant("ws", tensorFromValues("f32", [7, 3], b.positive(21, 0.2, 2)))] }),
    },
  ],

  dequant_fixed: () =>
    (
      [
        [37, "scalar", "scalar", undefined],
        [53, "per-row", "per-row", 8],
        [7, "per-row", "scalar", 0],
        [300, "scalar", "per-row", 24],
      ] as const
    ).map(([n, multForm, shiftForm, fracBits]) => ({
      label: `mult=${multForm} shift=${shiftForm} frac_bits=${fracBits ?? "default"} n=${n}`,
      build: (b) => {
        const acc = b.accInput("acc", [n]);
        // Weight scales as mult * 2^-shift with mult < 2^15: a shared mult with per-row shifts makes scales a power
        // of two apart; a shared shift is the one the largest scale needs.
        const base = fixedPointScale(b.positive(1, 0.002, 0.05)[0]!);
        let mult: number[];
        let shift: number[];
        if (multForm === "scalar") {
          mult = [base.mult];
          shift = shiftForm === "scalar" ? [base.shift] : Array.from(b.ints(n, 0, 3), (d) => base.shift + d);
        } else {
          const scales = b.positive(n, 0.002, 0.05);
          const fixed = Array.from(scales, (s) => fixedPointScale(s));
          if (shiftForm === "per-row") {
            mult = fixed.map((f) => f.mult);
            shift = fixed.map((f) => f.shift);
          } else {
            const common = fixedPointScale(Math.max(...scales)).shift;
            mult = Array.from(scales, (s) => roundHalfEven(s * 2 ** common));
            shift = [common];
          }
        }
        const asTensor = (v: number[]): Tensor => tensorFromValues("i32", v.length === 1 ? [] : [n], v);
        const attrs: Attrs = {};
        if (fracBits !== undefined) attrs.frac_bits = fracBits;
        return { operands: [acc, b.constant("mult", asTensor(mult)), b.constant("shift", asTensor(shift)), b.xsInput()], attrs };
      },
    })),

  slice: () =>
    (
      [
        ["f32", [300], 1, 37, 93],
        ["f32", [5, 42], 1, 1, 3],
        ["f32", [3, 42], 2, 5, 37],
        ["i8", [200], 1, 0, 37],
        ["i32", [53], 1, 52, 1],
      ] as const
    ).map(([dtype, rest, axis, start, size]) => ({
      label: `${dtype}[T, ${rest.join(", ")}] axis=${axis} start=${start} size=${size}`,
      build: (b) => {
        const x = dtype === "f32" ? b.f32Input("x", rest) : dtype === "i8" ? b.i8Input("x", rest) : b.accInput("x", rest);
        return { operands: [x], attrs: { axis, start, size } };
      },
    })),

  concat: () => [
    // A cache-like constant prefix followed by the new tokens: the result has T+3 rows.
    { label: "axis=0 const[3, 37] ++ [T, 37]", build: (b) => ({ operands: [b.f32Const("lhs", [3, 37]), b.f32Input("rhs", [37])], attrs: { axis: 0 } }) },
    { label: "axis=0 [T, 5] ++ [T, 5] (2*T rows)", build: (b) => ({ operands: [b.f32Input("lhs", [5]), b.f32Input("rhs", [5])], attrs: { axis: 0 } }) },
    { label: "axis=1 f32 [T, 37] ++ [T, 5]", build: (b) => ({ operands: [b.f32Input("lhs", [37]), b.f32Input("rhs", [5])], attrs: { axis: 1 } }) },
    { label: "axis=1 i8 [T, 37] ++ [T, 200]", build: (b) => ({ operands: [b.i8Input("lhs", [37]), b.i8Input("rhs", [200])], attrs: { axis: 1 } }) },
    { label: "axis=1 f32 [T, 3, 7] ++ [T, 2, 7]", build: (b) => ({ operands: [b.f32Input("lhs", [3, 7]), b.f32Input("rhs", [2, 7])], attrs: { axis: 1 } }) },
    { label: "axis=1 f32 [T, 53] ++ [T, 1]", build: (b) => ({ operands: [b.f32Input("lhs", [53]), b.f32Input("rhs", [1])], attrs: { axis: 1 } }) },
  ],

  rope: () =>
    (
      [
        ["neox", 3, 42, undefined, undefined, 0],
        ["interleaved", 1, 42, 20, 500000, 13],
        ["neox", 5, 10, 6, undefined, 100],
        ["interleaved", 7, 8, undefined, undefined, 0],
        ["neox", 3, 9, 6, 10000.5, 3],
        ["interleaved", 2, 5, 2, undefined, 1000],
        ["neox", 41, 100, undefined, undefined, 7],
      ] as const
    ).map(([style, heads, hd, rot, base, offset]) => ({
      label: `${style} heads=${heads} head_dim=${hd}${rot === undefined ? "" : ` rot_dims=${rot}`}${base === undefined ? "" : ` base=${base}`} pos=${offset}..`,
      build: (b) => {
        const attrs: Attrs = { head_dim: hd, style };
        if (rot !== undefined) attrs.rot_dims = rot;
        if (base !== undefined) attrs.base = base;
        const pos = b.input("pos", "i32", [], (n) => Array.from({ length: n }, (_, t) => offset + t));
        return { operands: [b.f32Input("x", [heads * hd]), pos], attrs };
      },
    })),

  attention: () =>
    (
      [
        [3, 3, 8, undefined],
        [6, 2, 42, undefined],
        [4, 1, 8, 0.3],
        [2, 2, 5, 1],
        [9, 3, 7, undefined],
      ] as const
    ).map(([heads, kvHeads, hd, scale]) => ({
      label: `heads=${heads} kv_heads=${kvHeads} head_dim=${hd} scale=${scale ?? "default"}`,
      build: (b) => {
        const attrs: Attrs = { heads, kv_heads: kvHeads, head_dim: hd };
        if (scale !== undefined) attrs.scale = scale;
        return { operands: [b.f32Input("q", [heads * hd]), b.f32Input("k", [kvHeads * hd]), b.f32Input("v", [kvHeads * hd])], attrs };
      },
    })),

  matmul: () =>
    (
      [
        ["f32", 200, 37],
        ["f16", 37, 93],
        ["bf16", 300, 5],
        ["q8_0", 224, 37],
        ["q6_k", 256, 93],
        ["q6_k", 768, 7],
        ["f32", 5, 1],
      ] as const
    ).map(([dtype, k, n]) => ({
      label: `w=${dtype} k=${k} n=${n}`,
      build: (b) => ({ operands: [b.f32Input("x", [k]), b.weightConst("w", dtype, n, k)] }),
    })),

  matmul_q8: () =>
    (
      [
        ["q6_k", 256, 93],
        ["q6_k", 768, 7],
        ["q8_0", 224, 37],
        ["q8_0", 32, 5],
      ] as const
    ).map(([dtype, k, n]) => ({
      label: `w=${dtype} k=${k} n=${n}`,
      build: (b) => ({ operands: [b.f32Input("x", [k]), b.weightConst("w", dtype, n, k)] }),
    })),

  add: () => [
    { label: "[T, 37] + [T, 37]", build: (b) => ({ operands: [b.f32Input("lhs", [37]), b.f32Input("rhs", [37])] }) },
    { label: "[T, 300] + const[300]", build: (b) => ({ operands: [b.f32Input("lhs", [300]), b.f32Const("rhs", [300])] }) },
    { label: "const[] + [T, 37]", build: (b) => ({ operands: [b.f32Const("lhs", []), b.f32Input("rhs", [37])] }) },
    { label: "[T, 5] + [T, 1]", build: (b) => ({ operands: [b.f32Input("lhs", [5]), b.f32Input("rhs", [1])] }) },
    { label: "[T, 3, 7] + const[7]", build: (b) => ({ operands: [b.f32Input("lhs", [3, 7]), b.f32Const("rhs", [7])] }) },
  ],

  mul: () => [
    { label: "[T, 37] * [T, 37]", build: (b) => ({ operands: [b.f32Input("lhs", [37]), b.f32Input("rhs", [37])] }) },
    { label: "[T, 200] * const[]", build: (b) => ({ operands: [b.f32Input("lhs", [200]), b.f32Const("rhs", [])] }) },
    { label: "[T, 37] * [T, 1]", build: (b) => ({ operands: [b.f32Input("lhs", [37]), b.f32Input("rhs", [1])] }) },
    { label: "[T, 53] * const[53]", build: (b) => ({ operands: [b.f32Input("lhs", [53]), b.f32Const("rhs", [53])] }) },
    { label: "const[1, 5] * [T, 5]", build: (b) => ({ operands: [b.f32Const("lhs", [1, 5]), b.f32Input("rhs", [5])] }) },
  ],

  silu: () => elementwiseUnary([[37], [300], [5], [3, 7]]),

  relu2: () => elementwiseUnary([[37], [300], [5], [3, 7]]),

  elementwise: () =>
    (
      [
        ["$0 relu2 $1 mul", [37], 2, []],
        ["$0 silu $1 mul $2 add", [200], 3, []],
        ["$0 $1 mul", [37], 1, [1]],
        ["$0 silu", [5], 1, []],
        ["$0 $0 mul $1 add", [53], 2, []],
        ["$0 $1 add $2 mul relu2", [3, 7], 2, [2]],
        // Wider than the C runtime's TC_EW_GRAIN: the thread pool splits them (broadcast coordinates included).
        ["$0 silu $1 mul", [5000], 2, []],
        ["$0 $1 add $2 mul relu2", [3, 1500], 2, [2]],
      ] as const
    ).map(([expr, rest, inputs, scalars]) => ({
      label: `"${expr}" [T, ${rest.join(", ")}]${scalars.length ? ` scalars=${scalars.map((i) => `$${i}`).join(",")}` : ""}`,
      build: (b) => {
        // Rank-0 operands broadcast; they are constants (a scale), the others activations.
        const operands: string[] = [];
        for (let i = 0; i < inputs + scalars.length; i++) {
          operands.push((scalars as readonly number[]).includes(i) ? b.f32Const(`s${i}`, []) : b.f32Input(`x${i}`, rest));
        }
        return { operands, attrs: { expr } };
      },
    })),
};

/** FNV-1a, so each case draws from its own stream: a case is the same whichever ops are asked for. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function buildCase(seed: number, op: string, index: number, variant: Variant): SingleOpCase {
  const def = getOp(op);
  if (!def) throw new Error(`singleOpCases: no op '${op}' in the registry`);
  const tokens = TOKENS[(index + seed) % TOKENS.length]!;
  const name = `${op} ${variant.label} T=${tokens}`;
  const graph = new Graph(`${op}_${index}`);
  const b = new CaseBuilder(graph, new Rng(hash(`${seed}|${name}`)), tokens);
  const { operands, attrs } = variant.build(b);
  const results = def.results.map((r) => (operands.includes(r) ? `${r}_out` : r));
  graph.addOp({ op, operands, results, attrs: attrs ?? {} });
  graph.setOutputs(results.map((r) => ({ name: r })));
  try {
    verifyOrThrow(graph);
  } catch (e) {
    throw new Error(`single-op case "${name}" does not verify: ${(e as Error).message}`);
  }
  return { name, op, graph, inputs: b.inputs };
}

/** Ops singleOpCases can build (SINGLE_OP_OPS and the extras). */
export function singleOpGeneratedOps(): string[] {
  return Object.keys(GENERATORS);
}

/** Every case for the given ops (default: SINGLE_OP_OPS), deterministic for a seed. */
export function singleOpCases(seed = 1, ops: readonly string[] = SINGLE_OP_OPS): SingleOpCase[] {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`singleOpCases: seed must be a non-negative integer, got ${seed}`);
  return ops.flatMap((op) => {
    const gen = GENERATORS[op];
    if (!gen) throw new Error(`singleOpCases: no generator for op '${op}' (have ${Object.keys(GENERATORS).join(", ")})`);
    return gen().map((v, i) => buildCase(seed, op, i, v));
  });
}
