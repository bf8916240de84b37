// ternc's fixed-point dequant (dequant_fixed's integer part): q = rne(acc * mult / 2^d), d = shift - frac_bits,
// rounded half to even; for d <= 0, q = acc * mult * 2^-d exactly. One multiplier: it scales a finished sum, outside
// the ternary datapath.
module ternc_requant #(
  parameter int ACC_W = 20,
  parameter int Q_W = 40,
  parameter int D_W = 8
) (
  input  logic signed [ACC_W-1:0] acc,
  input  logic [15:0]             mult,
  input  logic signed [D_W-1:0]   d,
  output logic signed [Q_W-1:0]   q
);
  // An ACC_W x 17-bit signed product (one DSP48 up to ACC_W = 25), then widened to Q_W bits (ternc makes Q_W at
  // least ACC_W + 17).
  logic signed [ACC_W+16:0] prod;
  assign prod = $signed(acc) * $signed({1'b0, mult});
  logic signed [Q_W-1:0] p;
  if (Q_W > ACC_W + 17) begin : g_widen
    assign p = {{(Q_W-ACC_W-17){prod[ACC_W+16]}}, prod};
  end else begin : g_same
    assign p = prod;
  end
  logic [D_W-1:0] right, left;
  assign right = d[D_W-1] ? '0 : d;
  assign left = d[D_W-1] ? -d : '0;
  // Round half to even: add 2^(d-1) - 1, plus 1 when the quotient's lowest bit (bit d of p) is set.
  // The generator keeps d within (-Q_W, Q_W), so the low IW bits of `right` index p.
  localparam int IW = $clog2(Q_W);
  logic signed [Q_W-1:0] bias;
  assign bias = right == '0 ? '0 : (({{(Q_W-1){1'b0}}, 1'b1} << (right - 1'b1)) - 1'b1 + {{(Q_W-1){1'b0}}, p[right[IW-1:0]]});
  assign q = right == '0 ? p <<< left : (p + bias) >>> right;
endmodule
