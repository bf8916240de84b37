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
  logic signed [Q_W-1:0] p;
  // Q_W-bit operands: the low Q_W bits of the product are the same signed or unsigned, and hold acc * mult exactly.
  assign p = {{(Q_W-ACC_W){acc[ACC_W-1]}}, acc} * {{(Q_W-16){1'b0}}, mult};
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
