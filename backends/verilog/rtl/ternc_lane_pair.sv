// ternc's ternary lane in its synthesis form (ternc_lane.sv): two selected, possibly complemented, activations and
// a carry-in, one leaf pair of the adder tree.
module ternc_lane_pair (
  input  logic [7:0] xa,
  input  logic [1:0] wa,
  input  logic [7:0] xb,
  input  logic [1:0] wb,
  input  logic       cin,
  output logic [9:0] s
);
  logic [8:0] ta, tb;
  assign ta = ({xa[7], xa} ^ {9{wa[1]}}) & {9{wa[0]}};
  assign tb = ({xb[7], xb} ^ {9{wb[1]}}) & {9{wb[0]}};
  assign s = {ta[8], ta} + {tb[8], tb} + {9'd0, cin};
endmodule
