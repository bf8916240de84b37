// The Verilog target's op table: the ternary products (and the fixed-point dequant that follows one) and the integer
// activation quantizer run in the generated core; every other op runs on the host, ternc's interpreter, exactly as the reference computes it.
import type { OpRule, OpTable } from "../common/index.js";
import { actQuantProblem } from "./actQuant.js";
import { productProblem } from "./layers.js";

const HOST = "host (ternc's interpreter)";
const HOST_OPS = ["embedding", "rmsnorm", "softmax", "act_quant", "dequant", "slice", "concat", "rope", "attention", "matmul", "add", "mul", "silu", "relu2", "elementwise"] as const;

const CORE: Record<string, OpRule> = {
  ternary_matmul_packed: { note: "RTL: ternc_mvu, P rows x S lanes a cycle, XOR/AND select-negate lanes and adders (no multiplier)", check: productProblem },
  addsub_network: { note: "RTL: a hardwired network of registered adders, shared sums once (--hardwire-below)", check: productProblem },
  act_quant_fixed: { note: "RTL: ternc_act_quant, absmax on the way in, one 18-step division a token, one multiplier (reciprocal) + round-half-even per code", check: actQuantProblem },
  dequant_fixed: { note: "RTL: ternc_requant after a product it alone reads (multiplier + round-half-even shift); else host" },
};

export const VERILOG_OP_RULES: OpTable = { ...Object.fromEntries(HOST_OPS.map((op) => [op, { note: HOST }])), ...CORE };
