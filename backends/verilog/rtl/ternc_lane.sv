// ternc's ternary lane: the dot product of S int8 activations with S ternary weights, with no multiplier. A weight
// is two bits {neg, nz}: 00 = 0, 01 = +1, 11 = -1. A selected activation is negated as ~x + 1: the ~x is an XOR
// with neg, and the +1s of the negated terms are counted and added once, at the end.
//
// One combinational process rather than a generate tree of nets: iverilog evaluates this 10-100x faster (a tree of
// net arrays or packed part-selects wakes on every element), and synthesis builds its own adder structure anyway.
module ternc_lane #(
  parameter int S = 16,
  parameter int OUT_W = 9 + $clog2(S) + 1
) (
  input  logic [2*S-1:0]          w,
  input  logic [8*S-1:0]          x,
  output logic signed [OUT_W-1:0] sum
);
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
endmodule
