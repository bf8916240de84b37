// Seeded random graphs that exercise every op, element type, constant form and attribute kind,
// for the textual IR's round-trip property tests.
import { type Dim, Graph, sym, type Tensor, tensorFromValues, type TensorType, verifyGraph } from "../../ir/index.js";
import { Rng } from "../../src/util/random.js";

interface Value {
  name: string;
  type: TensorType;
}

function randomFloats(rng: Rng, n: number, dtype: "f32" | "f16" | "bf16"): Tensor {
  const values = Array.from({ length: n }, () => {
    const r = rng.next();
    if (r < 0.05) return 0;
    if (r < 0.1) return -0.0;
    if (r < 0.15) return rng.int(-3, 3);
    return rng.normal() * 10 ** rng.int(-6, 4);
  });
  return tensorFromValues(dtype, [n], values);
}

/** A random, valid graph; `seed` fixes it. */
export function randomGraph(seed: number): Graph {
  const rng = new Rng(seed);
  const g = new Graph(`g${seed}`);
  const T: Dim = sym(rng.pick(["T", "N", "tokens"]));
  const d = rng.pick([4, 8, 12]);
  const values: Value[] = [];
  let n = 0;
  const fresh = (): string => rng.pick(["v", "x", "blk.0.h", "t_"]) + String(n++);
  const constant = (type: TensorType, tensor: Tensor | "blob"): string => {
    const name = `c${n++}`;
    g.addConst(name, type, tensor === "blob" ? { kind: "external", path: rng.pick(["w.bin", "weights/model.bin"]), offset: rng.int(0, 1 << 20) } : { kind: "inline", tensor });
    return name;
  };
  const floatConst = (shape: number[]): string => {
    const count = shape.reduce((a, b) => a * b, 1);
    const dtype = rng.pick(["f32", "f32", "f16", "bf16"] as const);
    if (rng.next() < 0.15) return constant({ dtype, shape }, "blob");
    const t = rng.next() < 0.2 ? tensorFromValues(dtype, shape, new Array<number>(count).fill(rng.normal())) : { ...randomFloats(rng, count, dtype), shape };
    return constant({ dtype, shape }, t);
  };
  const f32Const = (shape: number[]): string => {
    const count = shape.reduce((a, b) => a * b, 1);
    return constant({ dtype: "f32", shape }, { ...randomFloats(rng, count, "f32"), shape });
  };
  const ternaryConst = (shape: [number, number]): string => {
    if (rng.next() < 0.2) return constant({ dtype: "ternary", shape }, "blob");
    const trits = Array.from({ length: shape[0] * shape[1] }, () => rng.trit());
    return constant({ dtype: "ternary", shape }, tensorFromValues("ternary", shape, trits));
  };
  const add = (op: string, operands: string[], attrs: Record<string, number | string | boolean> = {}, results = 1): Value[] => {
    const names = Array.from({ length: results }, fresh);
    g.addOp({ op, operands, results: names, attrs });
    return names.map((name) => ({ name, type: { dtype: "f32", shape: [] } }));
  };

  g.addInput("x", { dtype: "f32", shape: [T, d] });
  g.addInput("pos", { dtype: "i32", shape: [T] });
  if (rng.next() < 0.5) g.addInput("ids", { dtype: "i32", shape: [T] });
  values.push({ name: "x", type: { dtype: "f32", shape: [T, d] } });
  const pickX = (): string => rng.pick(values).name;

  const steps = rng.int(1, 12);
  for (let s = 0; s < steps; s++) {
    const kind = rng.int(0, 13);
    const x = pickX();
    let out: Value[] = [];
    switch (kind) {
      case 0:
        out = add("rmsnorm", [x, f32Const([d])], { eps: rng.pick([1e-5, 1e-6, 0.5, 1]) });
        break;
      case 1:
        out = add("bitlinear", [x, ternaryConst([d, d]), f32Const(rng.next() < 0.5 ? [] : [d])], rng.next() < 0.5 ? {} : { act_quant: rng.pick(["per_token", "none"]) });
        break;
      case 2:
        out = add("bitlinear", [x, floatConst([d, d])]);
        break;
      case 3:
        out = add("matmul", [x, floatConst([d, d])]);
        break;
      case 4:
        out = add(rng.pick(["add", "mul"]), [x, rng.next() < 0.5 ? pickX() : f32Const(rng.pick([[], [d], [1, d]]))]);
        break;
      case 5:
        out = add(rng.pick(["silu", "relu2", "softmax"]), [x]);
        break;
      case 6: {
        const hd = rng.pick([2, 4].filter((h) => d % h === 0));
        out = add("rope", [x, "pos"], { head_dim: hd, base: rng.pick([10000, 500000, 1e4 + 0.5]), style: rng.pick(["neox", "interleaved"]), ...(rng.next() < 0.3 ? { rot_dims: 2 } : {}) });
        break;
      }
      case 7: {
        const hd = rng.pick([2, 4]);
        const heads = d / hd;
        const kv = rng.pick([1, heads].filter((k) => heads % k === 0));
        const k = add("matmul", [x, floatConst([kv * hd, d])])[0]!.name;
        const v = add("matmul", [x, floatConst([kv * hd, d])])[0]!.name;
        out = add("attention", [x, k, v], { heads, kv_heads: kv, head_dim: hd, ...(rng.next() < 0.3 ? { scale: 0.125 } : {}) });
        break;
      }
      case 8: {
        const [xq, xs] = add("act_quant", [x], {}, 2);
        const acc = add("ternary_matmul", [xq!.name, ternaryConst([d, d])])[0]!;
        out = add("dequant", [acc.name, f32Const(rng.next() < 0.5 ? [] : [d]), xs!.name]);
        break;
      }
      case 9: {
        const table = floatConst([rng.int(2, 20), d]);
        if (g.inputs().some((i) => i.name === "ids")) out = add("embedding", [table, "ids"]);
        break;
      }
      case 10: {
        const y = add("concat", [x, pickX()], { axis: 0 })[0]!;
        // concat grows the token dim (T+T); keep it out of the pool so shapes stay compatible.
        g.setOutputs([...g.outputs, { name: y.name }]);
        break;
      }
      case 11: {
        const acc = add("ternary_matmul", [x, ternaryConst([d, d])])[0]!;
        out = add("dequant", [acc.name, f32Const([])]);
        break;
      }
      default:
        out = add("add", [x, x]);
    }
    values.push(...out.map((v) => ({ name: v.name, type: { dtype: "f32" as const, shape: [T, d] } })));
  }
  const last = values[values.length - 1]!.name;
  if (!g.outputs.some((o) => o.name === last)) g.setOutputs([{ name: last }, ...g.outputs]);
  const diags = verifyGraph(g);
  if (diags.length) throw new Error(`random graph ${seed} is invalid: ${diags.map((x) => x.message).join("; ")}`);
  return g;
}
