// The hardwired form of a small layer (--hardwire-below): its add/sub network (the lower-ternary-matmul pass's
// addsub_network, with the sums rows share computed once) as a generated module of registered adders, the weights
// nowhere but in its wiring. Same ports as ternc_mvu: KF beats of S activations in, NF beats of P results out.
import type { RtlLayer } from "./layers.js";

/** Bits of a signed value of magnitude at most `bound`. */
const signedBits = (bound: number): number => Math.ceil(Math.log2(bound + 1)) + 1;

export const hardwiredModule = (l: RtlLayer): string => `ternc_hw_l${l.index}`;

/** Width of the counter that walks the load beats, the settling cycles and the output beats. */
const cwOf = (kf: number, nf: number, depth: number): number => Math.max(1, Math.ceil(Math.log2(Math.max(kf, nf, depth, 2))));

/** The module of one hardwired layer. */
export function hardwiredSource(l: RtlLayer, header: string): string {
  const net = l.net!;
  const { rows: P, lanes: S } = l.fold;
  const k = l.k;
  const KF = Math.ceil(k / S);
  const NF = Math.ceil(l.n / P);
  const m = net.program.length / 3;
  const { depth } = net;
  const bound = new Array<number>(k + m).fill(128);
  // Activations are int8 (-128..127); a sum's magnitude is at most the sum of its operands'.
  const width = (r: number): number => (r < k ? 8 : signedBits(bound[r]!));
  const ext = (r: number, w: number): string => (width(r) === w ? `r${r}` : `{{${w - width(r)}{r${r}[${width(r) - 1}]}}, r${r}}`);
  const regs: string[] = [];
  const adds: string[] = [];
  const used = new Set<number>();
  for (let j = 0; j < m; j++) used.add(net.program[3 * j]!).add(net.program[3 * j + 1]!);
  for (let o = 0; o < l.n; o++) used.add(net.outputs[2 * o]!);
  for (let i = 0; i < k; i++) if (used.has(i)) regs.push(`  logic signed [7:0] r${i};`, `  assign r${i} = xb[${8 * i + 7}:${8 * i}];`);
  for (let j = 0; j < m; j++) {
    const [a, b, op] = [net.program[3 * j]!, net.program[3 * j + 1]!, net.program[3 * j + 2]!];
    const r = k + j;
    bound[r] = bound[a]! + bound[b]!;
    const w = width(r);
    regs.push(`  logic signed [${w - 1}:0] r${r};`);
    adds.push(`    r${r} <= ${ext(a, w)} ${op === 0 ? "+" : "-"} ${ext(b, w)};`);
  }
  const acc = l.accBits;
  const folds: string[] = [];
  for (let f = 0; f < NF; f++) {
    const parts: string[] = [];
    for (let p = P - 1; p >= 0; p--) {
      const o = f * P + p;
      const reg = o < l.n ? net.outputs[2 * o]! : -1;
      if (reg < 0) parts.push(`${acc}'d0`);
      else {
        if (width(reg) > acc) throw new Error(`internal: hardwired register r${reg} is wider than the accumulator`);
        parts.push(net.outputs[2 * o + 1]! < 0 ? `-${ext(reg, acc)}` : ext(reg, acc));
      }
    }
    folds.push(`      ${cwOf(KF, NF, depth)}'d${f}: y_data = {${parts.join(", ")}};`);
  }
  const cw = cwOf(KF, NF, depth);
  return [
    header,
    `// Layer ${l.index}, hardwired: %${l.result} = the ternary product of %${l.weight} [${l.n} x ${k}] as ${m} registered`,
    `// adders, ${depth} levels deep. A token: ${KF} beats of ${S} activations in, ${depth} cycles for the sums to settle, ${NF} beats of ${P} results out.`,
    `module ${hardwiredModule(l)} (`,
    "  input  logic clk,",
    "  input  logic rst,",
    "  input  logic x_valid,",
    `  input  logic [${8 * S - 1}:0] x_data,`,
    "  output logic x_ready,",
    "  output logic y_valid,",
    `  output logic [${acc * P - 1}:0] y_data,`,
    "  input  logic y_ready",
    ");",
    `  logic [${8 * S * KF - 1}:0] xb;`,
    "  // Inputs whose weights are all 0, and the padding, feed nothing (Verilator ignores signals named unused*).",
    "  logic unused_x;",
    "  assign unused_x = ^xb;",
    "  typedef enum logic [1:0] { LOAD, SETTLE, OUT } state_t;",
    "  state_t state;",
    `  logic [${cw - 1}:0] count;`,
    "  assign x_ready = state == LOAD;",
    "  assign y_valid = state == OUT;",
    "  always_ff @(posedge clk) begin",
    "    if (rst) begin",
    "      state <= LOAD;",
    "      count <= '0;",
    "    end else case (state)",
    "      LOAD: if (x_valid) begin",
    `        xb[${8 * S}*count +: ${8 * S}] <= x_data;`,
    `        if (count == ${cw}'d${KF - 1}) begin`,
    "          count <= '0;",
    `          state <= ${depth > 0 ? "SETTLE" : "OUT"};`,
    "        end else count <= count + 1'b1;",
    "      end",
    `      SETTLE: if (count == ${cw}'d${Math.max(depth - 1, 0)}) begin`,
    "        count <= '0;",
    "        state <= OUT;",
    "      end else count <= count + 1'b1;",
    "      OUT: if (y_ready) begin",
    `        if (count == ${cw}'d${NF - 1}) begin`,
    "          count <= '0;",
    "          state <= LOAD;",
    "        end else count <= count + 1'b1;",
    "      end",
    "      default: state <= LOAD;",
    "    endcase",
    "  end",
    "  // Every adder registers its sum in each SETTLE cycle: level d is right after d of them. Enabled only then, so a",
    "  // simulator skips the network while other layers run (and the registers hold still).",
    ...regs,
    ...(adds.length ? ["  always_ff @(posedge clk) if (state == SETTLE) begin", ...adds, "  end"] : []),
    "  // always @* rather than always_comb: iverilog supports bit selects only in the former.",
    "  always @* begin",
    "    y_data = '0;",
    "    case (count)",
    ...folds,
    "      default: ;",
    "    endcase",
    "  end",
    "endmodule",
    "",
  ].join("\n");
}
