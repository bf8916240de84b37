// ternc's ternary lane in its synthesis form (ternc_lane.sv): one leaf of the adder tree, two weighted activations
// summed on one carry chain, 12 LUTs for the pair. Each bit's propagate (ta ^ tb) is a function of six inputs (both
// activation bits and both weights): one LUT6. The chain's generate input where the propagate is 0 is ta: three
// inputs, so one LUT6_2 gives it for two bits. Bits 8 and 9 repeat bit 7 (sign extension). A term is
// t = (x ^ neg) & (nz | neg), x's one's complement when negated; a's +1 is the chain's carry-in, b's is added by the
// tree (s = ta + tb + neg_a).
module ternc_lane_leaf (
  input  logic [7:0] xa,
  input  logic [1:0] wa,
  input  logic [7:0] xb,
  input  logic [1:0] wb,
  output logic [9:0] s
);
  // INIT[{I5..I0}] with I0 = xa, I1 = xb, I2 = neg_a, I3 = nz_a, I4 = neg_b, I5 = nz_b: ta ^ tb.
  localparam logic [63:0] PROPAGATE = 64'h6963969C69635A50;
  // O5 = ta at bit 2k (I0), O6 = ta at bit 2k + 1 (I1); I2 = neg_a, I3 = nz_a; I4 = 0, I5 = 1.
  localparam logic [63:0] GENERATE = 64'h3C303C305A505A50;
  logic [7:0] p, ta;
  for (genvar i = 0; i < 8; i++) begin : g_p
    LUT6 #(.INIT(PROPAGATE)) u_p (.O(p[i]), .I0(xa[i]), .I1(xb[i]), .I2(wa[1]), .I3(wa[0]), .I4(wb[1]), .I5(wb[0]));
  end
  for (genvar k = 0; k < 4; k++) begin : g_t
    LUT6_2 #(.INIT(GENERATE)) u_t (.O6(ta[2*k+1]), .O5(ta[2*k]), .I0(xa[2*k]), .I1(xa[2*k+1]), .I2(wa[1]), .I3(wa[0]), .I4(1'b0), .I5(1'b1));
  end
  ternc_lane_carry #(.W(10)) u_chain (.p({p[7], p[7], p}), .di({ta[7], ta[7], ta}), .cyinit(wa[1]), .o(s));
endmodule
