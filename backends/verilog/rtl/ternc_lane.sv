// ternc's ternary lane: the dot product of S int8 activations with S ternary weights, with no multiplier. A weight
// is two bits {neg, nz}: 00 = 0, 01 = +1, 1x = -1. A weighted activation is t = (x ^ neg) & (nz | neg), x's one's
// complement when negated, and each negated weight's +1 enters an adder as a carry-in.
//
// Two descriptions of the same function. Synthesis (yosys defines SYNTHESIS) gets Xilinx 7-series cells placed by
// hand, about 9 LUTs a lane: leaves of two weights on one carry chain (ternc_lane_leaf), then a tree of three-input
// adders at one LUT a bit (ternc_lane_add3), each taking two of the negated weights' +1s. Simulators get one
// combinational loop: iverilog runs it 20x faster than the tree. The tests prove the two equal (yosys' SAT solver,
// with ternc_xc7_cells.sv's models of the cells) and simulate the synthesized netlist.
module ternc_lane #(
  parameter int S = 16,
  parameter int OUT_W = 9 + $clog2(S) + 1
) (
  input  logic [2*S-1:0]          w,
  input  logic [8*S-1:0]          x,
  output logic signed [OUT_W-1:0] sum
);
`ifdef SYNTHESIS
  // M leaves (an odd S gets a zero weight), then D levels: level v has ceil(M / 3^v) nodes, node j adding items
  // 3j, 3j + 1 and 3j + 2 of level v - 1 (two or one at the end of a level; one is passed on as it is).
  function automatic int levels(input int m);
    int d, p;
    d = 0;
    p = 1;
    for (int k = 0; k < 20; k++) if (p < m) begin
      p = p * 3;
      d = d + 1;
    end
    levels = d;
  endfunction
  // Bits of a signed sum of n weighted activations (|sum| <= 128 n).
  function automatic int width(input int n);
    width = $clog2(128 * n + 1) + 1;
  endfunction
  // The first level whose last node adds two items (a free carry-in), or 0.
  function automatic int pairLevel(input int m);
    int q, v;
    pairLevel = 0;
    q = 1;
    for (v = 1; v <= 20; v++) begin
      if (pairLevel == 0 && q < m && ((m + q - 1) / q) % 3 == 2) pairLevel = v;
      q = q * 3;
    end
  endfunction
  localparam int M = (S + 1) / 2;
  localparam int D = levels(M);
  localparam int PAIR = pairLevel(M);
  logic [4*M-1:0] wp;
  logic [16*M-1:0] xp;
  logic [M-1:0] nb;
  logic [10*M-1:0] leaf;
  if (2 * M > S) begin : g_pad
    assign wp = {2'b00, w};
    assign xp = {8'd0, x};
  end else begin : g_even
    assign wp = w;
    assign xp = x;
  end
  for (genvar i = 0; i < M; i++) begin : g_leaf
    ternc_lane_leaf u_leaf (.xa(xp[16*i +: 8]), .wa(wp[4*i +: 2]), .xb(xp[16*i+8 +: 8]), .wb(wp[4*i+2 +: 2]), .s(leaf[10*i +: 10]));
    // The leaf's second weight's +1, which the tree adds.
    assign nb[i] = wp[4*i+3];
  end
  // Leaf i's +1 goes to the node where i is the last leaf of a child that is not the node's last child (each leaf
  // but the last has exactly one); the last leaf's goes to the free carry-in of the first node of two children
  // (the last of its level), else it is added at the end.
  for (genvar v = 1; v <= D; v++) begin : g_lv
    localparam int Q = 3 ** (v - 1);
    localparam int NI = (M + Q - 1) / Q;
    localparam int N = (M + 3 * Q - 1) / (3 * Q);
    localparam int WI = width(2 * (Q < M ? Q : M));
    localparam int WO = width(2 * (3 * Q < M ? 3 * Q : M));
    logic [WO*N-1:0] s;
    logic [WI*NI-1:0] items;
    if (v == 1) begin : g_leaves
      assign items = leaf;
    end else begin : g_below
      assign items = g_lv[v-1].s;
    end
    for (genvar j = 0; j < N; j++) begin : g_node
      localparam int K = NI - 3 * j < 3 ? NI - 3 * j : 3;
      if (K == 3) begin : g_add3
        ternc_lane_add3 #(.WI(WI), .WO(WO)) u_add (.a(items[WI*3*j +: WI]), .b(items[WI*(3*j+1) +: WI]), .c(items[WI*(3*j+2) +: WI]),
          .cin1(nb[3*Q*j + Q - 1]), .cin2(nb[3*Q*j + 2*Q - 1]), .s(s[WO*j +: WO]));
      end else if (K == 2) begin : g_add2
        logic cin2;
        if (v == PAIR) begin : g_last
          assign cin2 = nb[M-1];
        end else begin : g_inner
          assign cin2 = 1'b0;
        end
        ternc_lane_add3 #(.WI(WI), .WO(WO)) u_add (.a(items[WI*3*j +: WI]), .b(items[WI*(3*j+1) +: WI]), .c({WI{1'b0}}),
          .cin1(nb[3*Q*j + Q - 1]), .cin2(cin2), .s(s[WO*j +: WO]));
      end else if (WO > WI) begin : g_pass_extend
        assign s[WO*j +: WO] = {{(WO-WI){items[WI*(3*j+1)-1]}}, items[WI*3*j +: WI]};
      end else begin : g_pass
        assign s[WO*j +: WO] = items[WI*3*j +: WI];
      end
    end
  end
  localparam int RW = D == 0 ? 10 : width(2 * M);
  logic [RW-1:0] root;
  logic last;
  if (D == 0) begin : g_one
    assign root = leaf;
    assign last = nb[0];
  end else begin : g_tree
    assign root = g_lv[D].s;
    assign last = PAIR == 0 ? nb[M-1] : 1'b0;
  end
  // The true sum fits OUT_W (the generator sizes it for |sum| <= 128 S); the tree's widths are bounds.
  if (OUT_W <= RW) begin : g_cut
    assign sum = root[OUT_W-1:0] + {{(OUT_W-1){1'b0}}, last};
    if (OUT_W < RW) begin : g_drop
      logic unused_top;
      assign unused_top = ^root[RW-1:OUT_W];
    end
  end else begin : g_extend
    assign sum = {{(OUT_W-RW){root[RW-1]}}, root} + {{(OUT_W-1){1'b0}}, last};
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
      t = ({x[8*i+7], x[8*i +: 8]} ^ {9{w[2*i+1]}}) & {9{w[2*i] | w[2*i+1]}};
      acc = acc + {{(OUT_W-9){t[8]}}, t};
      negs = negs + {{(CW-1){1'b0}}, w[2*i+1]};
    end
    sum = acc + {{(OUT_W-CW){1'b0}}, negs};
  end
`endif
endmodule
