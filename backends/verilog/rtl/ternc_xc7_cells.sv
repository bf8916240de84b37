// Simulation models of the three Xilinx 7-series primitives the lane's synthesis form instantiates (LUT6, LUT6_2,
// CARRY4; UG953), for the simulators, Verilator's lint and yosys' equivalence proof. Synthesis for xc7
// (synth_xilinx) must not read this file: it keeps the instances as the device's cells. The cells keep Xilinx's
// names, not this file's.
/* verilator lint_off DECLFILENAME */
module LUT6 #(
  parameter logic [63:0] INIT = 64'h0
) (
  output logic O,
  input  logic I0, I1, I2, I3, I4, I5
);
  assign O = INIT[{I5, I4, I3, I2, I1, I0}];
endmodule

module LUT6_2 #(
  parameter logic [63:0] INIT = 64'h0
) (
  output logic O6,
  output logic O5,
  input  logic I0, I1, I2, I3, I4, I5
);
  assign O6 = INIT[{I5, I4, I3, I2, I1, I0}];
  assign O5 = INIT[{1'b0, I4, I3, I2, I1, I0}];
endmodule

module CARRY4 (
  output logic [3:0] CO,
  output logic [3:0] O,
  input  logic       CI,
  input  logic       CYINIT,
  input  logic [3:0] DI,
  input  logic [3:0] S
);
  // One signal a carry: Verilator orders bits of one vector that feed each other poorly (UNOPTFLAT).
  logic c0, c1, c2, c3, c4;
  assign c0 = CI | CYINIT;
  assign c1 = S[0] ? c0 : DI[0];
  assign c2 = S[1] ? c1 : DI[1];
  assign c3 = S[2] ? c2 : DI[2];
  assign c4 = S[3] ? c3 : DI[3];
  assign CO = {c4, c3, c2, c1};
  assign O = S ^ {c3, c2, c1, c0};
endmodule
/* verilator lint_on DECLFILENAME */
