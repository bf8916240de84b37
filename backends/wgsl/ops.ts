// The WGSL target's op table: for each op it compiles, the kernel (one invocation per output element or row) and
// the resources it binds. Operands are read by the names the op registry gives them. Integer results are exact;
// float results keep the interpreter's operation order per output, with ternc's f32 exp and correctly rounded
// divisions where a compiler might not round as IEEE does: bit-exact on a device that does not fuse (the tolerance
// covers one that does).
import { EXP_F32, getOp, type Graph, type OpNode, storageBytes, withDefaults } from "../../ir/index.js";
import { BackendError, broadcastIndices, elementwiseStatements, type OpRule, operandsOf } from "../common/index.js";
import { STORED, type WgslEmitter } from "./emitter.js";
import type { Lin } from "./program.js";
import { TERNARY_CHUNK, ternaryChunks } from "./layout.js";

type Attrs = Record<string, unknown>;

interface WgslOp {
  rule?: OpRule;
  emit(e: WgslEmitter, node: OpNode, ops: Readonly<Record<string, string>>, a: Attrs, where: string): void;
}

/** Correctly rounded a / b for positive normal f32 a, b with a normal quotient (the interpreter's f32(a / b)):
 *  WGSL's division may be 2.5 ULP off, which would move act_quant's int8 codes. Integer long division. */
const DIV_RN = `fn div_rn(a: f32, b: f32) -> f32 {
  let ua = bitcast<u32>(a);
  let ub = bitcast<u32>(b);
  let mb = (ub & 0x7fffffu) | 0x800000u;
  var r = (ua & 0x7fffffu) | 0x800000u;
  var e = i32(ua >> 23u) - i32(ub >> 23u) + 127;
  if (r < mb) { r = r << 1u; e = e - 1; }
  var q = 0u;
  for (var i = 0; i < 25; i++) {
    q = q << 1u;
    if (r >= mb) { r = r - mb; q = q | 1u; }
    r = r << 1u;
  }
  let guard = q & 1u;
  q = q >> 1u;
  if (guard == 1u && (r != 0u || (q & 1u) == 1u)) { q = q + 1u; }
  if (q == 0x1000000u) { q = q >> 1u; e = e + 1; }
  return bitcast<f32>((u32(e) << 23u) | (q & 0x7fffffu));
}`;

/** True for a positive normal f32 (div_rn's operands): by its exponent bits, which no compiler reorders. */
const IS_NORMAL = `fn is_normal(x: f32) -> bool {
  let e = (bitcast<u32>(x) >> 23u) & 0x1ffu;
  return e >= 1u && e <= 254u;
}`;

/** dot4I8Packed behind a name the runtime can swap for the portable version (ternc_webgpu.js, DOT4_PORTABLE) where
 *  the WGSL language feature packed_4x8_integer_dot_product is missing. */
const DOT4 = "fn dot4(a: u32, b: u32) -> i32 { return dot4I8Packed(a, b); } // ternc:dot4";

/** Int8 codes (stored one per i32, bound as `$codes`) [i, i + 4) packed into one word, zero at and past `end`. */
const PACK_CODES = `fn pack_codes(i: u32, end: u32) -> u32 {
  var p = 0u;
  for (var b = 0u; b < 4u; b++) { if (i + b < end) { p = p | ((u32($codes[i + b]) & 0xffu) << (8u * b)); } }
  return p;
}`;

/** Tokens one invocation of a ternary product computes: each weight chunk it loads serves them all (prefill). */
const TERNARY_TOKENS = 4;

/**
 * The ternary product on int8 activations, read packed four to a word (rows of whole 64-weight chunks, zero
 * padded): as act_quant wrote them, or packed into the scratch by a step of its own. One invocation per (block of
 * TERNARY_TOKENS tokens, row, group) walks the row's chunks: one vec4 load of 64 codes, turned into 16 words of
 * signed weight bytes, each dotted with an activation word. Consecutive rows' chunks are adjacent (layout.ts), so a
 * workgroup's loads coalesce, and the activation words are the same for all of them. No barriers. Integer sums:
 * bit-exact.
 */
function emitTernaryRows(e: WgslEmitter, node: OpNode, x: string, w: string, k: number, n: number, groups: number, where: string): void {
  const xt = e.type(x);
  const chunks = ternaryChunks(k);
  const groupChunks = chunks / groups;
  const kw = chunks * 16; // packed activation words per token
  const T = e.dim(xt.shape[0]!, where);
  const t = e.lin(xt.shape[0]!, where);
  const scratch = e.packedOf.get(x) ?? { kind: "scratch" as const };
  if (scratch.kind === "scratch") emitPackActivations(e, node, x, k, kw, T, t);
  const blocks = `((${T} + ${TERNARY_TOKENS - 1}u) / ${TERNARY_TOKENS}u)`;
  const per = n * groups;
  const tokenLines = (f: (tt: number) => string): string[] => Array.from({ length: TERNARY_TOKENS }, (_, tt) => f(tt));
  e.kernel(node, {
    args: [
      { name: "xs", resource: scratch, elem: "vec4<u32>" },
      { name: "w", value: w, elem: "vec4<u32>" },
      { name: "acc", value: node.results[0]!, elem: "i32", write: true },
    ],
    threads: { ...t, div: TERNARY_TOKENS, mul: per },
    helpers: [DOT4, SIGNED_CODES],
    body: [
      `  if (id >= ${blocks} * ${per}u) { return; }`,
      `  let t0 = (id / ${per}u) * ${TERNARY_TOKENS}u;`,
      `  let o = (id / ${groups}u) % ${n}u;`,
      `  let g = id % ${groups}u;`,
      `  let nt = min(${TERNARY_TOKENS}u, ${T} - t0);`,
      ...tokenLines((tt) => `  var s${tt} = 0;`),
      `  for (var c = g * ${groupChunks}u; c < (g + 1u) * ${groupChunks}u; c++) {`,
      `    let v = $w[c * ${n}u + o];`,
      "    let w0 = signed_codes(v.x);",
      "    let w1 = signed_codes(v.y);",
      "    let w2 = signed_codes(v.z);",
      "    let w3 = signed_codes(v.w);",
      ...tokenLines((tt) =>
        [
          `    if (${tt}u < nt) {`,
          `      let xb = (t0 + ${tt}u) * ${chunks * 4}u + 4u * c;`,
          `      s${tt} += dot16(w0, $xs[xb]) + dot16(w1, $xs[xb + 1u]) + dot16(w2, $xs[xb + 2u]) + dot16(w3, $xs[xb + 3u]);`,
          "    }",
        ].join("\n"),
      ),
      "  }",
      ...tokenLines((tt) => `  if (${tt}u < nt) { $acc[((t0 + ${tt}u) * ${n}u + o) * ${groups}u + g] = s${tt}; }`),
    ].join("\n"),
  });
}

/** The activations of a product packed four to a word into the scratch (rows of kw words, zero padded). */
function emitPackActivations(e: WgslEmitter, node: OpNode, x: string, k: number, kw: number, T: string, t: Lin): void {
  e.scratch.push({ c: t.c * kw * 4, t: t.t * kw * 4, p: t.p * kw * 4 });
  const scratch = { kind: "scratch" as const };
  e.kernel(
    node,
    {
      args: [
        { name: "codes", value: x, elem: "i32" },
        { name: "xs", resource: scratch, elem: "u32", write: true },
      ],
      threads: { c: t.c * kw, t: t.t * kw, p: t.p * kw },
      // Per word: four codes read (i32 each), one word written.
      bytes: { c: t.c * kw * 20, t: t.t * kw * 20, p: t.p * kw * 20 },
      body: [`  if (id >= ${T} * ${kw}u) { return; }`, `  $xs[id] = pack_codes((id / ${kw}u) * ${k}u + (id % ${kw}u) * 4u, (id / ${kw}u) * ${k}u + ${k}u);`].join("\n"),
      helpers: [PACK_CODES],
    },
    false,
    false,
  );
}

/** Whether a product takes the packed fast path: int8 activations, groups of whole 64-weight chunks. */
function fastTernary(graph: Graph, node: OpNode): boolean {
  const ops = operandsOf(node);
  const k = graph.typeOf(ops.x!)!.shape[1] as number;
  const group = (node.attrs.group as number | undefined) ?? 0;
  return graph.typeOf(ops.x!)!.dtype === "i8" && node.attrs.format === "i2" && (group > 0 ? group : k) % TERNARY_CHUNK === 0;
}

/**
 * A word of 16 codes c (0..2) as four words of signed weight bytes w = c - 1, in the order of four activation words:
 * plane p = (word >> 2p) & 0x03030303, then w per byte without borrows: set each byte's top bit, subtract 1 from
 * each byte, flip the top bits back (0 -> 0xff, 1 -> 0, 2 -> 1).
 */
const SIGNED_CODES = `fn signed_codes(v: u32) -> vec4<u32> {
  let c = (vec4<u32>(v) >> vec4<u32>(0u, 2u, 4u, 6u)) & vec4<u32>(0x03030303u);
  return ((c | vec4<u32>(0x80808080u)) - vec4<u32>(0x01010101u)) ^ vec4<u32>(0x80808080u);
}
fn dot16(w: vec4<u32>, x: vec4<u32>) -> i32 { return dot4(w.x, x.x) + dot4(w.y, x.y) + dot4(w.z, x.z) + dot4(w.w, x.w); }`;

/**
 * ternc's f32 exp (EXP_F32 in ir/numeric.ts), generated from its constants: f32 +, -, *, floor and an exponent built
 * from bits, so an IEEE device that neither fuses nor reassociates gives the interpreter's bits (WGSL's exp builtin
 * is accurate to 3 + 2|x| ulp only).
 */
export const EXP_WGSL = (() => {
  const { log2e, ln2Hi, ln2Lo, coefficients: c, min, max } = EXP_F32;
  const horner = c.slice(0, -1).map((_, i, rest) => `  p = p * r + ${wgslFloat(rest[rest.length - 1 - i]!)};`);
  return [
    "fn ternc_exp(x: f32) -> f32 {",
    "  if (x != x) { return x; }",
    `  if (!(x >= ${wgslFloat(min)})) { return 0.0; }`,
    // A let, not a constant expression: WGSL refuses an infinite constant.
    "  let infinity_bits = 0x7f800000u;",
    `  if (x > ${wgslFloat(max)}) { return bitcast<f32>(infinity_bits); }`,
    `  let k = floor(x * ${wgslFloat(log2e)} + 0.5);`,
    `  let r = (x - k * ${wgslFloat(ln2Hi)}) - k * ${wgslFloat(ln2Lo)};`,
    `  var p = ${wgslFloat(c[c.length - 1]!)};`,
    ...horner,
    "  return p * bitcast<f32>(u32(i32(k) + 127) << 23u);",
    "}",
  ].join("\n");
})();
const SILU = "fn silu(x: f32) -> f32 { return x / (1.0 + ternc_exp(-x)); }";
const RELU2 = "fn relu2(x: f32) -> f32 { let r = max(x, 0.0); return r * r; }";

/**
 * Reads element `e` (row-major) of a weight table bound as `$tab`, as stored: f32, f16/bf16 pairs in u32 words, or
 * ggml's Q8_0 and Q6_K blocks, each element f32(m * q) with the multiplier and code the interpreter decodes.
 */
function tableRead(dtype: string, e: string): { expr: string; helpers: string[] } {
  if (dtype === "f16") return { expr: `unpack2x16float($tab[(${e}) >> 1u])[(${e}) & 1u]`, helpers: [] };
  if (dtype === "bf16") return { expr: `bitcast<f32>((($tab[(${e}) >> 1u] >> (16u * ((${e}) & 1u))) & 0xffffu) << 16u)`, helpers: [] };
  if (dtype === "f32") return { expr: `$tab[${e}]`, helpers: [] };
  const bytes = [
    "fn tab_byte(i: u32) -> u32 { return ($tab[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu; }",
    "fn tab_i8(i: u32) -> i32 { return (i32(tab_byte(i)) << 24u) >> 24u; }",
    "fn tab_f16(i: u32) -> f32 { return unpack2x16float(tab_byte(i) | (tab_byte(i + 1u) << 8u)).x; }",
  ];
  if (dtype === "q8_0")
    return { expr: `tab_q8_0(${e})`, helpers: [...bytes, "fn tab_q8_0(e: u32) -> f32 {\n  let base = (e / 32u) * 34u;\n  return tab_f16(base) * f32(tab_i8(base + 2u + e % 32u));\n}"] };
  if (dtype === "q6_k")
    return {
      expr: `tab_q6_k(${e})`,
      helpers: [
        ...bytes,
        [
          "fn tab_q6_k(e: u32) -> f32 {",
          "  let base = (e / 256u) * 210u;",
          "  let j = e % 256u;",
          "  let half = j / 128u;",
          "  let k = (j % 128u) / 32u;",
          "  let l = j % 32u;",
          "  let ql = tab_byte(base + half * 64u + l + 32u * (k & 1u));",
          "  let low = select(ql & 0xfu, ql >> 4u, k >= 2u);",
          "  let high = (tab_byte(base + 128u + half * 32u + l) >> (2u * k)) & 3u;",
          "  let q = i32(low | (high << 4u)) - 32;",
          "  let m = tab_f16(base + 208u) * f32(tab_i8(base + 192u + half * 8u + l / 16u + 2u * k));",
          "  return m * f32(q);",
          "}",
        ].join("\n"),
      ],
    };
  throw new Error(`internal: no WGSL reader for ${dtype}`);
}

const isConst = (graph: Graph, v: string | undefined): boolean => v !== undefined && graph.definition(v)?.entity.kind === "const";

/** A float weight read as stored: f32, f16, bf16, or Q8_0/Q6_K blocks. */
const floatTable =
  (name: string): OpRule["check"] =>
  (node, graph) => {
    const v = operandsOf(node)[name]!;
    if (!isConst(graph, v)) return `the weight (operand '${name}') must be a constant`;
    const dtype = graph.typeOf(v)!.dtype;
    return ["f32", "f16", "bf16", "q8_0", "q6_k"].includes(dtype) ? undefined : `a ${dtype} weight is not supported by the WGSL kernels (f32, f16, bf16, q8_0, q6_k)`;
  };

const F32_ONLY: OpRule["check"] = (node, graph) => (node.operands.every((o) => graph.typeOf(o)?.dtype === "f32") ? undefined : "operands must be f32");

/** One invocation per output element; operands broadcast (backends/common/elementwise.ts). */
function emitElementwise(e: WgslEmitter, node: OpNode, expr: string, where: string): void {
  const out = node.results[0]!;
  const outT = e.type(out);
  const outDims = outT.shape.map((d) => e.dim(d, where));
  const { index, coords } = broadcastIndices(
    outDims,
    node.operands.map((o) => e.type(o).shape.map((d) => e.dim(d, where))),
    { el: "id", one: "1u", zero: "0u" },
  );
  const { lines, result } = elementwiseStatements(expr, node.operands.length, { load: (v, i) => `var ${v} = $in${i}[${index[i]}];`, unary: (op, v) => `${op}(${v})` });
  const body = [`  if (id >= ${e.count(outT.shape, where)}) { return; }`];
  if (coords) {
    body.push("  var rest = id;");
    for (let k = outDims.length - 1; k >= 0; k--) body.push(`  let c${k} = rest % (${outDims[k]}); rest = rest / (${outDims[k]});`);
  }
  body.push(...lines.map((l) => `  ${l}`), `  $y[id] = ${result};`);
  e.kernel(
    node,
    {
      args: [...node.operands.map((o, i) => ({ name: `in${i}`, value: o, elem: "f32" as const })), { name: "y", value: out, elem: "f32", write: true }],
      threads: e.countLin(outT.shape, where),
      body: body.join("\n"),
      helpers: [EXP_WGSL, SILU, RELU2],
    },
    true,
  );
}

const elementwise = (expr: (node: OpNode, a: Attrs) => string): WgslOp => ({
  rule: { note: "one invocation per element, f32", check: F32_ONLY },
  emit: (e, node, _ops, a, where) => emitElementwise(e, node, expr(node, a), where),
});

export const WGSL_OPS: Readonly<Record<string, WgslOp>> = {
  embedding: {
    rule: { note: "row gather from an f32/f16/bf16/q8_0/q6_k table read as stored", check: floatTable("table") },
    emit(e, node, { table, ids }, _a, where) {
      const tt = e.type(table!);
      const [vocab, d] = tt.shape as [number, number];
      const n = e.count(e.type(ids!).shape, where);
      const read = tableRead(tt.dtype, "e");
      const rows = e.countLin(e.type(ids!).shape, where);
      // Per id: its index, and one row of the table (as stored) and of the result.
      const perRow = 4 + storageBytes(tt.dtype, d) + 4 * d;
      e.kernel(node, {
        bytes: { c: rows.c * perRow, t: rows.t * perRow, p: rows.p * perRow },
        args: [
          { name: "tab", value: table!, elem: STORED[tt.dtype]! },
          { name: "ids", value: ids!, elem: "i32" },
          { name: "y", value: node.results[0]!, elem: "f32", write: true },
        ],
        threads: e.countLin([...e.type(ids!).shape, d], where),
        // An id outside the table reads zeros (the runtime rejects such tokens before the call).
        body: [
          `  if (id >= ${n} * ${d}u) { return; }`,
          `  let row = $ids[id / ${d}u];`,
          `  if (row < 0 || row >= ${vocab}) { $y[id] = 0.0; return; }`,
          `  let e = u32(row) * ${d}u + id % ${d}u;`,
          `  $y[id] = ${read.expr};`,
        ].join("\n"),
        helpers: read.helpers,
      });
    },
  },
  rmsnorm: {
    rule: { note: "one invocation per row, sum in index order" },
    emit(e, node, { x, g }, a, where) {
      const { rows, rowsLin, width: d } = e.rowsAndWidth(x!, where);
      e.kernel(node, {
        args: [
          { name: "x", value: x!, elem: "f32" },
          { name: "g", value: g!, elem: "f32" },
          { name: "y", value: node.results[0]!, elem: "f32", write: true },
        ],
        threads: rowsLin,
        body: [
          `  if (id >= ${rows}) { return; }`,
          `  let base = id * ${d}u;`,
          "  var sum = 0.0;",
          `  for (var i = 0u; i < ${d}u; i++) { let v = $x[base + i]; sum = sum + v * v; }`,
          // Correctly rounded divisions: a shader compiler may turn a division by a constant into a multiplication.
          // div_rn takes positive normal operands; a zero, subnormal or infinite sum divides as WGSL does.
          `  let mean = select(sum / ${d}.0, div_rn(sum, ${d}.0), is_normal(sum));`,
          `  let root = sqrt(mean + ${wgslFloat(a.eps as number)});`,
          "  let r = select(1.0 / root, div_rn(1.0, root), is_normal(root));",
          `  for (var i = 0u; i < ${d}u; i++) { $y[base + i] = ($x[base + i] * r) * $g[i]; }`,
        ].join("\n"),
        helpers: [DIV_RN, IS_NORMAL],
      });
    },
  },
  softmax: {
    rule: { note: "one invocation per row" },
    emit(e, node, { x }, _a, where) {
      const { rows, rowsLin, width: n } = e.rowsAndWidth(x!, where);
      e.kernel(node, {
        args: [
          { name: "x", value: x!, elem: "f32" },
          { name: "y", value: node.results[0]!, elem: "f32", write: true },
        ],
        threads: rowsLin,
        body: [
          `  if (id >= ${rows}) { return; }`,
          `  let base = id * ${n}u;`,
          softmaxLoop("$x[base + i]", "$y[base + i]", `${n}u`),
        ].join("\n"),
        helpers: [EXP_WGSL],
      });
    },
  },
  act_quant: {
    rule: { note: "one invocation per row; 127 / max divided exactly; also packs the codes for the ternary products that read them" },
    emit(e, node, { x }, _a, where) {
      const { rows, rowsLin, width: k } = e.rowsAndWidth(x!, where);
      const xq = node.results[0]!;
      // When only fast-path ternary products read the codes, they are also written packed four to a word (rows of
      // whole 64-weight chunks), which saves each product its packing dispatch.
      const packed = e.graph.users(xq).length > 0 && e.graph.users(xq).every((u) => u.op === "ternary_matmul_packed" && operandsOf(u).x === xq && fastTernary(e.graph, u));
      const kw = ternaryChunks(k) * 16;
      let xp: { kind: "packed"; index: number } | undefined;
      if (packed) {
        xp = { kind: "packed", index: e.packed.push({ c: rowsLin.c * kw * 4, t: rowsLin.t * kw * 4, p: rowsLin.p * kw * 4 }) - 1 };
        e.packedOf.set(xq, xp);
      }
      e.kernel(node, {
        args: [
          { name: "x", value: x!, elem: "f32" },
          { name: "codes", value: xq, elem: "i32", write: true },
          { name: "xs", value: node.results[1]!, elem: "f32", write: true },
          ...(xp ? [{ name: "xp", resource: xp, elem: "u32" as const, write: true }] : []),
        ],
        threads: rowsLin,
        body: [
          `  if (id >= ${rows}) { return; }`,
          `  let base = id * ${k}u;`,
          "  var m = 0.0;",
          `  for (var i = 0u; i < ${k}u; i++) { m = max(m, abs($x[base + i])); }`,
          `  m = max(m, ${wgslFloat(1e-5)});`,
          "  let q = div_rn(127.0, m);",
          `  for (var i = 0u; i < ${k}u; i++) { $codes[base + i] = i32(clamp(round($x[base + i] * q), -128.0, 127.0)); }`,
          "  $xs[id] = div_rn(m, 127.0);",
          ...(xp
            ? [
                `  for (var j = 0u; j < ${kw}u; j++) { $xp[id * ${kw}u + j] = pack_codes(base + 4u * j, base + ${k}u); }`,
              ]
            : []),
        ].join("\n"),
        helpers: [DIV_RN, ...(xp ? [PACK_CODES] : [])],
      });
    },
  },
  ternary_matmul_packed: {
    rule: {
      note: "2-bit codes in chunks of 64, rows interleaved by chunk: int8 activations packed, one invocation per row and 4 tokens (dot4I8Packed where the language has it); else one per output",
      check: (node, graph) => (!isConst(graph, operandsOf(node).w) ? "the weight (operand 'w') must be a constant" : node.attrs.format !== "i2" ? `the WGSL kernels read the i2 form only, not ${String(node.attrs.format)}` : undefined),
    },
    emit(e, node, { x, w }, a, where) {
      const xt = e.type(x!);
      const k = xt.shape[1] as number;
      const n = e.type(w!).shape[0] as number;
      const group = (a.group as number | undefined) ?? 0;
      const gs = group > 0 ? group : k;
      const groups = group > 0 ? k / group : 1;
      const out = node.results[0]!;
      e.kernels[out] = "i2";
      const args = (int: boolean) => [
        { name: "x", value: x!, elem: int ? ("i32" as const) : ("f32" as const) },
        { name: "w", value: w!, elem: "u32" as const },
        { name: "acc", value: out, elem: int ? ("i32" as const) : ("f32" as const), write: true },
      ];
      if (fastTernary(e.graph, node)) {
        emitTernaryRows(e, node, x!, w!, k, n, groups, where);
        return;
      }
      const int = xt.dtype === "i8";
      e.kernel(node, {
        args: args(int),
        threads: e.countLin([xt.shape[0]!, n * groups], where),
        body: [
          `  if (id >= ${e.dim(xt.shape[0]!, where)} * ${n * groups}u) { return; }`,
          `  let t = id / ${n * groups}u;`,
          `  let o = (id / ${groups}u) % ${n}u;`,
          `  let g = id % ${groups}u;`,
          `  var s = ${int ? "0" : "0.0"};`,
          `  for (var i = g * ${gs}u; i < (g + 1u) * ${gs}u; i++) {`,
          `    let j = i % 16u;`,
          `    let code = ($w[((i / 64u) * ${n}u + o) * 4u + (i / 16u) % 4u] >> (8u * (j % 4u) + 2u * (j / 4u))) & 3u;`,
          `    let v = $x[t * ${k}u + i];`,
          "    if (code == 2u) { s = s + v; } else if (code == 0u) { s = s - v; }",
          "  }",
          "  $acc[id] = s;",
        ].join("\n"),
      });
    },
  },
  dequant: {
    rule: { note: "one invocation per output; grouped sums in order" },
    emit(e, node, { acc, ws, xs }, a, where) {
      const at = e.type(acc!);
      const n = at.shape[1] as number;
      const groups = at.shape.length === 3 ? (at.shape[2] as number) : 1;
      const wsLen = (e.type(ws!).shape as number[]).reduce((p, d) => p * d, 1);
      const perTensor = wsLen === 1 && groups === 1;
      const rows = e.dim(at.shape[0]!, where);
      const accF = (i: string): string => (at.dtype === "i32" ? `f32($acc[${i}])` : `$acc[${i}]`);
      const body = [`  if (id >= ${rows} * ${n}u) { return; }`, `  let t = id / ${n}u;`, `  let o = id % ${n}u;`];
      if (a.fused === true && xs && groups === 1) body.push(`  $y[id] = ${accF("id")} * ($ws[${perTensor ? "0u" : "o"}] * $xs[t]);`);
      else {
        const wb = perTensor ? "0u" : `o * ${groups}u`;
        body.push(`  let base = id * ${groups}u;`, `  var v = ${accF("base")} * $ws[${wb}];`);
        if (groups > 1) body.push(`  for (var g = 1u; g < ${groups}u; g++) { v = v + ${accF("base + g")} * $ws[${wb} + g]; }`);
        body.push(xs ? "  $y[id] = v * $xs[t];" : "  $y[id] = v;");
      }
      e.kernel(node, {
        args: [
          { name: "acc", value: acc!, elem: at.dtype === "i32" ? "i32" : "f32" },
          { name: "ws", value: ws!, elem: "f32" },
          ...(xs ? [{ name: "xs", value: xs, elem: "f32" as const }] : []),
          { name: "y", value: node.results[0]!, elem: "f32", write: true },
        ],
        threads: e.countLin([at.shape[0]!, n], where),
        body: body.join("\n"),
      });
    },
  },
  slice: {
    rule: { note: "one invocation per element", check: (node, graph) => (STORED[graph.typeOf(node.operands[0]!)!.dtype] && graph.typeOf(node.operands[0]!)!.dtype !== "f16" && graph.typeOf(node.operands[0]!)!.dtype !== "bf16" ? undefined : "slices f32, i32 and i8 values") },
    emit(e, node, { x }, a, where) {
      const t = e.type(x!);
      const axis = a.axis as number;
      const out = node.results[0]!;
      const size = a.size as number;
      const inner = e.count(t.shape.slice(axis + 1), where);
      const total = e.count(e.type(out).shape, where);
      e.kernel(node, {
        args: [
          { name: "x", value: x!, elem: STORED[t.dtype]! },
          { name: "y", value: out, elem: STORED[t.dtype]!, write: true },
        ],
        threads: e.countLin(e.type(out).shape, where),
        body: [
          `  if (id >= ${total}) { return; }`,
          `  let inner = ${inner};`,
          `  let o = id / (${size}u * inner);`,
          `  let r = id % (${size}u * inner);`,
          `  $y[id] = $x[(o * ${e.dim(t.shape[axis]!, where)} + ${a.start as number}u) * inner + r];`,
        ].join("\n"),
      });
    },
  },
  concat: {
    rule: { note: "a KV cache append in place, or one invocation per element" },
    emit(e, node, { lhs, rhs }, a, where) {
      const out = node.results[0]!;
      const cache = e.caches.get(out);
      if (cache) {
        const w = cache.width;
        e.kernel(node, {
          args: [
            { name: "x", value: rhs!, elem: "f32" },
            { name: "cache", resource: { kind: "cache", index: cache.index }, elem: "f32", write: true },
          ],
          threads: { c: 0, t: w, p: 0 },
          body: [`  if (id >= u.T * ${w}u) { return; }`, `  $cache[u.P * ${w}u + id] = $x[id];`].join("\n"),
        });
        return;
      }
      const ta = e.type(lhs!);
      const tb = e.type(rhs!);
      const axis = a.axis as number;
      const ia = e.count(ta.shape.slice(axis), where);
      const ib = e.count(tb.shape.slice(axis), where);
      const elem = STORED[ta.dtype]!;
      e.kernel(node, {
        args: [
          { name: "a", value: lhs!, elem },
          { name: "b", value: rhs!, elem },
          { name: "y", value: out, elem, write: true },
        ],
        threads: e.countLin(e.type(out).shape, where),
        body: [
          `  if (id >= ${e.count(e.type(out).shape, where)}) { return; }`,
          `  let ia = ${ia};`,
          `  let ib = ${ib};`,
          "  let o = id / (ia + ib);",
          "  let r = id % (ia + ib);",
          "  if (r < ia) { $y[id] = $a[o * ia + r]; } else { $y[id] = $b[o * ib + r - ia]; }",
        ].join("\n"),
      });
    },
  },
  rope: {
    rule: { note: "one invocation per element; cos and sin from a table the runtime computes as the interpreter does" },
    emit(e, node, { x, pos }, a, where) {
      const { rows, rowsLin, width } = e.rowsAndWidth(x!, where);
      const hd = a.head_dim as number;
      const rot = (a.rot_dims as number | undefined) ?? hd;
      const half = rot / 2;
      const neox = a.style === "neox";
      e.kernel(node, {
        args: [
          { name: "x", value: x!, elem: "f32" },
          { name: "pos", value: pos!, elem: "i32" },
          { name: "tab", resource: e.ropeTable(a.base as number, rot, pos!), elem: "f32" },
          { name: "y", value: node.results[0]!, elem: "f32", write: true },
        ],
        threads: { c: rowsLin.c * width, t: rowsLin.t * width, p: rowsLin.p * width },
        body: [
          `  if (id >= ${rows} * ${width}u) { return; }`,
          `  let r = id / ${width}u;`,
          `  let j = id % ${hd}u;`,
          `  if (j >= ${rot}u) { $y[id] = $x[id]; return; }`,
          // The pair (x0, x1) this element belongs to, and whether it is the first of the two.
          neox ? `  let first = j < ${half}u;` : "  let first = j % 2u == 0u;",
          neox ? `  let i = j % ${half}u;` : "  let i = j / 2u;",
          neox ? `  let i0 = select(id - ${half}u, id, first);` : "  let i0 = select(id - 1u, id, first);",
          neox ? `  let i1 = i0 + ${half}u;` : "  let i1 = i0 + 1u;",
          // The runtime's table covers every position it can see; an index past it reads the last entry, never beyond.
          `  let at = min((u32(max($pos[r], 0)) * ${half}u + i) * 2u, arrayLength(&$tab) - 2u);`,
          "  let c = $tab[at];",
          "  let s = $tab[at + 1u];",
          "  if (first) { $y[id] = $x[i0] * c - $x[i1] * s; } else { $y[id] = $x[i0] * s + $x[i1] * c; }",
        ].join("\n"),
      });
    },
  },
  attention: {
    rule: {
      note: "causal, grouped-query; one invocation per query row and head, scores in scratch",
      check: (node, graph) => {
        const [q, k] = node.operands.map((o) => graph.typeOf(o)!.shape[0]!);
        const terms = (d: typeof q): Record<string, number> => (typeof d === "number" ? { "": d } : Object.fromEntries([["", d.constant], ...d.terms]));
        const tq = terms(q!);
        const tk = terms(k!);
        return Object.entries(tq).every(([s, v]) => (tk[s] ?? 0) >= v) ? undefined : "the keys must be at least as many as the queries for every T (the WGSL kernel does not check it at run time)";
      },
    },
    emit(e, node, { q, k, v }, a, where) {
      const hd = a.head_dim as number;
      const heads = a.heads as number;
      const group = heads / (a.kv_heads as number);
      const scale = (a.scale as number | undefined) ?? Math.fround(1 / Math.sqrt(hd));
      const qw = heads * hd;
      const kw = (a.kv_heads as number) * hd;
      const tq = e.dim(e.type(q!).shape[0]!, where);
      const sLin = e.lin(e.type(k!).shape[0]!, where);
      const s = e.dim(e.type(k!).shape[0]!, where);
      const tLin = e.lin(e.type(q!).shape[0]!, where);
      e.attention.push({ heads, queries: tLin, keys: sLin });
      e.kernel(node, {
        args: [
          { name: "q", value: q!, elem: "f32" },
          { name: "k", value: k!, elem: "f32" },
          { name: "v", value: v!, elem: "f32" },
          { name: "p", resource: { kind: "scratch" }, elem: "f32", write: true },
          { name: "y", value: node.results[0]!, elem: "f32", write: true },
        ],
        threads: { c: tLin.c * heads, t: tLin.t * heads, p: tLin.p * heads },
        body: [
          `  if (id >= ${tq} * ${heads}u) { return; }`,
          `  let r = id / ${heads}u;`,
          `  let h = id % ${heads}u;`,
          `  let kvh = h / ${group}u;`,
          `  let S = ${s};`,
          `  let visible = S - ${tq} + r + 1u;`,
          "  let pb = id * S;",
          `  let qb = r * ${qw}u + h * ${hd}u;`,
          "  for (var j = 0u; j < visible; j++) {",
          "    var dot = 0.0;",
          `    for (var d = 0u; d < ${hd}u; d++) { dot = dot + $q[qb + d] * $k[j * ${kw}u + kvh * ${hd}u + d]; }`,
          `    $p[pb + j] = dot * ${wgslFloat(scale)};`,
          "  }",
          softmaxLoop("$p[pb + i]", "$p[pb + i]", "visible"),
          `  for (var d = 0u; d < ${hd}u; d++) {`,
          "    var acc = 0.0;",
          `    for (var j = 0u; j < visible; j++) { acc = acc + $p[pb + j] * $v[j * ${kw}u + kvh * ${hd}u + d]; }`,
          "    $y[qb + d] = acc;",
          "  }",
        ].join("\n"),
        helpers: [EXP_WGSL],
      });
    },
  },
  matmul: {
    rule: { note: "f32/f16/bf16/q8_0/q6_k weight read as stored; one invocation per output, sum in index order", check: floatTable("w") },
    emit(e, node, { x, w }, _a, where) {
      const wt = e.type(w!);
      const [n, k] = wt.shape as [number, number];
      const { rows, rowsLin } = e.rowsAndWidth(x!, where);
      const out = node.results[0]!;
      // A model's earlier logits rows are only computed on request (prefill and decode read the last one).
      const lastOnly = e.abi.kind === "model" && out === "logits";
      const read = tableRead(wt.dtype, `o * ${k}u + i`);
      e.kernel(node, {
        args: [
          { name: "x", value: x!, elem: "f32" },
          { name: "tab", value: w!, elem: STORED[wt.dtype]! },
          { name: "y", value: out, elem: "f32", write: true },
        ],
        threads: { c: rowsLin.c * n, t: rowsLin.t * n, p: rowsLin.p * n },
        ...(lastOnly ? { lastRowThreads: { c: n, t: 0, p: 0 } } : {}),
        body: [
          `  let r = ${lastOnly ? "u.first_row + " : ""}id / ${n}u;`,
          `  if (r >= ${rows}) { return; }`,
          `  let o = id % ${n}u;`,
          "  var s = 0.0;",
          `  for (var i = 0u; i < ${k}u; i++) { s = s + $x[r * ${k}u + i] * ${read.expr}; }`,
          `  $y[r * ${n}u + o] = s;`,
        ].join("\n"),
        helpers: read.helpers,
      });
    },
  },
  add: elementwise(() => "$0 $1 add"),
  mul: elementwise(() => "$0 $1 mul"),
  silu: elementwise(() => "$0 silu"),
  relu2: elementwise(() => "$0 relu2"),
  elementwise: elementwise((_n, a) => a.expr as string),
};

/** Softmax of n values read by `src` into `dst` (i is the element): max, ternc_exp (EXP_WGSL), sum in order, divide. */
function softmaxLoop(src: string, dst: string, n: string): string {
  return [
    "  var mx = bitcast<f32>(0xff7fffffu);",
    `  for (var i = 0u; i < ${n}; i++) { mx = max(mx, ${src}); }`,
    "  var sum = 0.0;",
    `  for (var i = 0u; i < ${n}; i++) { let ev = ternc_exp(${src} - mx); ${dst} = ev; sum = sum + ev; }`,
    `  for (var i = 0u; i < ${n}; i++) { ${dst} = ${dst} / sum; }`,
  ].join("\n");
}

/** An f32 value as a WGSL literal that reads back to the same bits. */
export function wgslFloat(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) throw new Error(`internal: ${v} has no WGSL literal`);
  const text = f.toPrecision(9);
  return text.includes("e") || text.includes(".") ? text : `${text}.0`;
}

/** The rules of the op table, as the target contract lists them (each also checks its results' types). */
export const WGSL_OP_RULES: Readonly<Record<string, OpRule>> = Object.fromEntries(
  Object.entries(WGSL_OPS).map(([op, w]) => [
    op,
    {
      note: w.rule?.note,
      check: (node: OpNode, graph: Graph) => {
        for (const [i, t] of node.resultTypes.entries()) if (t && !["f32", "i32", "i8"].includes(t.dtype)) return `result %${node.results[i]} is ${t.dtype}: the WGSL kernels produce f32, i32 and i8 values`;
        return w.rule?.check?.(node, graph);
      },
    },
  ]),
);

/** Emits one op's step. */
export function emitOp(e: WgslEmitter, node: OpNode): void {
  const where = `%${node.results[0]} (${node.op})`;
  const op = WGSL_OPS[node.op];
  if (!op) throw new BackendError(where, `op '${node.op}' is not supported by the WGSL backend`);
  op.emit(e, node, operandsOf(node), withDefaults(getOp(node.op)!, node.attrs), where);
}
