// ternc's ternary lane in its synthesis form (ternc_lane.sv): a W-bit carry chain of CARRY4s, o = p ^ carries with
// the carry out of bit i being p[i] ? carry in : di[i], cyinit the carry into bit 0.
module ternc_lane_carry #(
  parameter int W = 10
) (
  input  logic [W-1:0] p,
  input  logic [W-1:0] di,
  input  logic         cyinit,
  output logic [W-1:0] o
);
  localparam int C = (W + 3) / 4;
  logic [4*C-1:0] pp, dd, oo, co;
  if (4 * C > W) begin : g_pad
    assign pp = {{(4*C-W){1'b0}}, p};
    assign dd = {{(4*C-W){1'b0}}, di};
    // The padding positions' outputs are not used.
    logic unused_pad;
    assign unused_pad = ^{oo[4*C-1:W], co[4*C-1]};
  end else begin : g_full
    assign pp = p;
    assign dd = di;
    logic unused_pad;
    assign unused_pad = co[4*C-1];
  end
  for (genvar k = 0; k < C; k++) begin : g_c4
    if (k == 0) begin : g_first
      CARRY4 u_c4 (.CO(co[3:0]), .O(oo[3:0]), .CI(1'b0), .CYINIT(cyinit), .DI(dd[3:0]), .S(pp[3:0]));
    end else begin : g_next
      CARRY4 u_c4 (.CO(co[4*k +: 4]), .O(oo[4*k +: 4]), .CI(co[4*k-1]), .CYINIT(1'b0), .DI(dd[4*k +: 4]), .S(pp[4*k +: 4]));
    end
  end
  assign o = oo[W-1:0];
endmodule
