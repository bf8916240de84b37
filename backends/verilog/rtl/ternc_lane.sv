// ternc's ternary lane: the dot product of S int8 activations with S ternary weights, with no multiplier. A weight
// is two bits {neg, nz}: 00 = 0, 01 = +1, 11 = -1. A selected activation is negated as ~x + 1: the ~x is an XOR
// with neg, and each negated term's +1 enters an adder as its carry-in.
//
// Two descriptions of the same function. Synthesis (yosys defines SYNTHESIS) gets a balanced tree of two-input
// adders, each its own module so that yosys keeps it a carry chain instead of merging the whole sum into one
// carry-save network (about 14.5 instead of 32 LUTs a lane on xc7). Simulators get one combinational loop: iverilog
// runs it 20x faster than the tree. The tests prove the two equal (yosys equiv) and simulate the synthesized
// netlist.
module ternc_lane #(
  parameter int S = 16,
  parameter int OUT_W = 9 + $clog2(S) + 1
) (
  input  logic [2*S-1:0]          w,
  input  logic [8*S-1:0]          x,
  output logic signed [OUT_W-1:0] sum
);
`ifdef SYNTHESIS
  // D levels over L = 2^D leaves (S rounded up; the padding weights are 0). Level v holds L >> v sums of 9 + v bits.
  localparam int D = S > 1 ? $clog2(S) : 1;
  localparam int L = 1 << D;
  logic [2*L-1:0] wp;
  logic [8*L-1:0] xp;
  assign wp = {{(2*(L-S)){1'b0}}, w};
  assign xp = {{(8*(L-S)){1'b0}}, x};
  // A negated leaf's +1 goes to the adder whose left subtree it ends (each leaf but the last ends exactly one);
  // the last leaf's goes in at the root.
  for (genvar v = 1; v <= D; v++) begin : g_lv
    logic [(9+v)*(L>>v)-1:0] s;
    for (genvar j = 0; j < (L >> v); j++) begin : g_node
      localparam int C = (j << v) + (1 << (v - 1)) - 1;
      if (v == 1) begin : g_pair
        ternc_lane_pair u_pair (.xa(xp[16*j +: 8]), .wa(wp[4*j +: 2]), .xb(xp[16*j+8 +: 8]), .wb(wp[4*j+2 +: 2]), .cin(wp[2*C+1] & wp[2*C]), .s(s[10*j +: 10]));
      end else begin : g_add
        ternc_lane_add #(.W(8 + v)) u_add (.a(g_lv[v-1].s[(8+v)*2*j +: 8+v]), .b(g_lv[v-1].s[(8+v)*(2*j+1) +: 8+v]), .cin(wp[2*C+1] & wp[2*C]), .s(s[(9+v)*j +: 9+v]));
      end
    end
  end
  logic last;
  assign last = wp[2*L-1] & wp[2*L-2];
  // The true sum fits OUT_W (the generator sizes it for |sum| <= 128 S); the tree's widths are bounds.
  if (OUT_W <= 9 + D) begin : g_cut
    assign sum = g_lv[D].s[OUT_W-1:0] + {{(OUT_W-1){1'b0}}, last};
    if (OUT_W < 9 + D) begin : g_drop
      // The bits above OUT_W carry no information (Verilator ignores signals named unused*).
      logic unused_top;
      assign unused_top = ^g_lv[D].s[8+D:OUT_W];
    end
  end else begin : g_extend
    assign sum = {{(OUT_W-9-D){g_lv[D].s[8+D]}}, g_lv[D].s} + {{(OUT_W-1){1'b0}}, last};
  end
`else
  localparam int CW = $clog2(S + 1);
  // 9 bits: -(-128) = 128 must fit.
  logic [8:0] t;
  logic signed [OUT_W-1:0] acc;
  logic [CW-1:0] negs;
  always @* begin
    acc = '0;
    negs = '0;
    for (int i = 0; i < S; i++) begin
      t = ({x[8*i+7], x[8*i +: 8]} ^ {9{w[2*i+1]}}) & {9{w[2*i]}};
      acc = acc + {{(OUT_W-9){t[8]}}, t};
      negs = negs + {{(CW-1){1'b0}}, w[2*i+1] & w[2*i]};
    end
    sum = acc + {{(OUT_W-CW){1'b0}}, negs};
  end
`endif
endmodule
