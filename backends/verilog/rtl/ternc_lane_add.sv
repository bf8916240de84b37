// ternc's ternary lane in its synthesis form (ternc_lane.sv): one adder of the tree, W-bit signed a + b + cin, one
// bit wider. A module of its own so that yosys keeps it a carry chain.
module ternc_lane_add #(
  parameter int W = 10
) (
  input  logic [W-1:0] a,
  input  logic [W-1:0] b,
  input  logic         cin,
  output logic [W:0]   s
);
  assign s = {a[W-1], a} + {b[W-1], b} + {{W{1'b0}}, cin};
endmodule
