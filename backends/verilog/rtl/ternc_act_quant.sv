// ternc's activation quantizer (act_quant_fixed's integer part): a token streams in as its absmax floor (FLOOR, one
// beat, in lane 0) and its B-bit mantissas xi, L a beat (LOAD, lane 0 in the low bits, the last beat flagged and
// padded with zeros); their absmax M (at least the floor) is kept on the way, one restoring division gives the
// reciprocal r = (floor(127 * 2^(R+1) / M) + 1) >> 1 with R = B + 8 (DIV, 18 cycles), and the int8 codes
// xq = clamp(rne(xi * r / 2^R), -128, 127) stream out L a beat (EMIT, with M). L B x 18-bit multipliers, outside
// the ternary datapath (one DSP48 each for B <= 25).
// Contract: the floor and mantissas are normalised as act_quant_fixed makes them, 2^(B-2) <= M < 2^(B-1), which
// bounds the quotient to 18 bits; for other inputs the codes are not the op's.
module ternc_act_quant #(
  parameter int KMAX = 64,
  parameter int B = 24,
  parameter int L = 1
) (
  input  logic                clk,
  input  logic                rst,
  input  logic                x_valid,
  input  logic [L*B-1:0]      x_data,
  input  logic                x_last,
  output logic                x_ready,
  output logic                y_valid,
  output logic [8*L-1:0]      y_data,
  output logic [B-1:0]        y_absmax,
  output logic                y_last,
  input  logic                y_ready
);
  localparam int R = B + 8;
  localparam int QB = 18;
  // Beats of a token, and their index's bits.
  localparam int KB = (KMAX + L - 1) / L;
  localparam int KW = KB > 1 ? $clog2(KB) : 1;

  logic [L*B-1:0] xmem [0:KB-1];
  typedef enum logic [2:0] { FLOOR, LOAD, DIV, EMIT, DRAIN } state_t;
  state_t state;
  logic [KW-1:0] count, last_index, rd;
  logic [B-1:0] absmax;
  // Restoring division: rem < M < 2^(B-1), so rem << 1 fits B bits; B + 1 keep the comparison unsigned and exact.
  logic [B-1:0] rem;
  logic [B:0] rem2;
  logic [QB-1:0] quot;
  logic [4:0] step;
  logic [16:0] recip;

  // The beat's largest magnitude (a zero pad changes nothing).
  logic [B-1:0] magnitude, beat_max;
  always_comb begin
    beat_max = '0;
    for (int l = 0; l < L; l++) begin
      magnitude = x_data[B*l+B-1] ? B'(-x_data[B*l +: B]) : x_data[B*l +: B];
      if (magnitude > beat_max) beat_max = magnitude;
    end
  end
  assign rem2 = {rem, 1'b0};

  // EMIT: stage 1 reads the mantissa, stage 2 multiplies, stage 3 rounds; the pipeline holds while a code waits.
  logic adv, issue;
  assign adv = !(y_valid && !y_ready);
  assign issue = state == EMIT && adv;
  assign x_ready = state == FLOOR || state == LOAD;
  logic v1, last1, v2, last2;
  logic [L*B-1:0] x1;
  logic signed [B+17:0] p2 [0:L-1];
  logic [8*L-1:0] codes;
  for (genvar l = 0; l < L; l++) begin : g_lane
    // floor(p / 2^R), the remainder's bits, and round half to even.
    logic signed [B+17-R:0] fl;
    logic [R-1:0] frac;
    logic up;
    logic signed [B+18-R:0] q;
    assign fl = p2[l][B+17:R];
    assign frac = p2[l][R-1:0];
    assign up = frac > {1'b1, {(R-1){1'b0}}} || (frac == {1'b1, {(R-1){1'b0}}} && fl[0]);
    assign q = {fl[B+17-R], fl} + {{(B+18-R){1'b0}}, up};
    assign codes[8*l +: 8] = q > 127 ? 8'sd127 : q < -128 ? -8'sd128 : q[7:0];
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      state <= FLOOR;
      count <= '0;
      v1 <= 1'b0;
      v2 <= 1'b0;
      y_valid <= 1'b0;
      y_last <= 1'b0;
    end else begin
      if (y_valid && y_ready) y_valid <= 1'b0;
      case (state)
        FLOOR: if (x_valid) begin
          absmax <= x_data[B-1:0];
          state <= LOAD;
        end
        LOAD: if (x_valid) begin
          xmem[count] <= x_data;
          if (beat_max > absmax) absmax <= beat_max;
          if (x_last) begin
            last_index <= count;
            state <= DIV;
            // The numerator's bits above the quotient's: 127 * 2^(B+9) >> 18 = 127 * 2^(B-9).
            rem <= B'(127) << (B - 9);
            quot <= '0;
            step <= '0;
          end
          count <= x_last ? '0 : count + 1'b1;
        end
        DIV: begin
          if (rem2 >= {1'b0, absmax}) begin
            rem <= B'(rem2 - {1'b0, absmax});
            quot <= {quot[QB-2:0], 1'b1};
          end else begin
            rem <= rem2[B-1:0];
            quot <= {quot[QB-2:0], 1'b0};
          end
          step <= step + 1'b1;
          if (step == 5'(QB - 1)) begin
            state <= EMIT;
            rd <= '0;
          end
        end
        EMIT: if (adv) begin
          rd <= rd + 1'b1;
          if (rd == last_index) state <= DRAIN;
        end
        DRAIN: if (adv && !v1 && !v2) state <= FLOOR;
        default: state <= FLOOR;
      endcase
      // The reciprocal from the finished quotient (ready one cycle after DIV, before the first product).
      if (state == EMIT && rd == '0) recip <= 17'((({1'b0, quot} + 1'b1) >> 1));
      if (adv) begin
        v1 <= issue;
        last1 <= rd == last_index;
        if (issue) x1 <= xmem[rd];
        v2 <= v1;
        last2 <= last1;
        for (int l = 0; l < L; l++) p2[l] <= $signed(x1[B*l +: B]) * $signed({1'b0, recip});
        if (v2) begin
          y_data <= codes;
          y_last <= last2;
          y_valid <= 1'b1;
        end
      end
    end
  end
  assign y_absmax = absmax;
endmodule
