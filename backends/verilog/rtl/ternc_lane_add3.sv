// ternc's ternary lane in its synthesis form (ternc_lane.sv): one node of the adder tree, a + b + c + cin1 + cin2 of
// WI-bit signed inputs into WO bits, one LUT6_2 a bit. Each LUT's O5 is the carry-save carry maj(a, b, c), which the
// next bit's LUT takes as an input; O6 is the propagate a ^ b ^ c ^ carry-save carry in; the chain adds them
// (Xilinx's ternary adder). The first bit's carry-save input is cin2, the chain's carry-in cin1: a node adds two
// negated weights' +1s. A binary node is the same with c = 0.
module ternc_lane_add3 #(
  parameter int WI = 10,
  parameter int WO = 12
) (
  input  logic [WI-1:0] a,
  input  logic [WI-1:0] b,
  input  logic [WI-1:0] c,
  input  logic          cin1,
  input  logic          cin2,
  output logic [WO-1:0] s
);
  // INIT[{I5..I0}] with I0..I2 = a, b, c and I3 = the carry-save carry in; I4 = 0, I5 = 1.
  localparam logic [63:0] ADD3 = 64'h69966996E8E8E8E8;
  logic [WO-1:0] ae, be, ce, p;
  logic [WO:0] cs;
  if (WO > WI) begin : g_extend
    assign ae = {{(WO-WI){a[WI-1]}}, a};
    assign be = {{(WO-WI){b[WI-1]}}, b};
    assign ce = {{(WO-WI){c[WI-1]}}, c};
  end else begin : g_same
    assign ae = a;
    assign be = b;
    assign ce = c;
  end
  assign cs[0] = cin2;
  for (genvar i = 0; i < WO; i++) begin : g_bit
    LUT6_2 #(.INIT(ADD3)) u_bit (.O6(p[i]), .O5(cs[i+1]), .I0(ae[i]), .I1(be[i]), .I2(ce[i]), .I3(cs[i]), .I4(1'b0), .I5(1'b1));
  end
  ternc_lane_carry #(.W(WO)) u_chain (.p(p), .di(cs[WO-1:0]), .cyinit(cin1), .o(s));
  // The carry-save carry out of the top bit is beyond the sum's width (Verilator ignores signals named unused*).
  logic unused_top;
  assign unused_top = cs[WO];
endmodule
