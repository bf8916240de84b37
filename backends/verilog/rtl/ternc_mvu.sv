// ternc's matrix-vector unit: y[o] = sum_i W[o, i] * x[i] for a ternary W[N, K] and int8 x[K], folded FINN-style:
// P rows x S lanes per cycle. The weights are NF * KF words (row fold major, P*S two-bit codes a word, rows and
// columns past N and K zero): in a memory initialised from WFILE, or, with STREAM, taken from the w port (ready/valid)
// in that order, all of them for every token. One token: KF beats of S activations in (LOAD), then NF * KF cycles
// of products (RUN; a streamed word that is not there yet holds the step), each row fold leaving as one beat of P
// accumulators.
module ternc_mvu #(
  parameter int K = 64,
  parameter int N = 64,
  parameter int P = 4,
  parameter int S = 16,
  // At least 10 bits (the lane's 9-bit terms and its count of negated terms need room); ternc sizes it per layer.
  parameter int ACC_W = 24,
  parameter WFILE = "",
  parameter bit STREAM = 1'b0
) (
  input  logic                 clk,
  input  logic                 rst,
  input  logic                 x_valid,
  input  logic [8*S-1:0]       x_data,
  output logic                 x_ready,
  input  logic                 w_valid,
  input  logic [2*S*P-1:0]     w_data,
  output logic                 w_ready,
  output logic                 y_valid,
  output logic [ACC_W*P-1:0]   y_data,
  input  logic                 y_ready
);
  localparam int KF = (K + S - 1) / S;
  localparam int NF = (N + P - 1) / P;
  localparam int KW = KF > 1 ? $clog2(KF) : 1;
  localparam int NW = NF > 1 ? $clog2(NF) : 1;
  localparam int AW = NF * KF > 1 ? $clog2(NF * KF) : 1;

  logic [8*S-1:0] xmem [0:KF-1];

  typedef enum logic [1:0] { LOAD, RUN, DRAIN } state_t;
  state_t state;
  logic [KW-1:0] kf;
  logic [NW-1:0] nf;
  logic [AW-1:0] addr;

  // Stage 1: the weight word (from the memory or the stream) and the activations; stage 2: the lane sums; each with
  // its valid and first/last column tags.
  logic [2*S*P-1:0] w1;
  logic [8*S-1:0] x1;
  logic v1, first1, last1, v2, first2, last2;
  // Lane sums in ACC_W bits: a partial sum of real terms is bounded by 128 K as the whole sum is.
  logic signed [ACC_W-1:0] lane [0:P-1];
  logic signed [ACC_W-1:0] s2 [0:P-1];
  logic signed [ACC_W-1:0] acc [0:P-1];

  // The pipeline holds while a finished row fold waits to leave.
  logic adv;
  assign adv = !(y_valid && !y_ready);
  assign x_ready = state == LOAD;
  logic issue;
  assign issue = state == RUN && adv && (!STREAM || w_valid);

  if (STREAM) begin : g_stream
    assign w_ready = state == RUN && adv;
    always_ff @(posedge clk) if (issue) w1 <= w_data;
    // The stream's order is the memory's: no address.
    logic unused_addr;
    assign unused_addr = ^addr;
  end else begin : g_memory
    logic [2*S*P-1:0] wmem [0:NF*KF-1];
    // No file by default, so a tool elaborating the module on its own (yosys' read_verilog) does not look for one.
    if (WFILE != "") begin : g_init
      initial $readmemh(WFILE, wmem);
    end
    assign w_ready = 1'b0;
    always_ff @(posedge clk) if (issue) w1 <= wmem[addr];
    logic unused_w;
    assign unused_w = ^{w_valid, w_data};
  end

  for (genvar p = 0; p < P; p++) begin : g_lane
    ternc_lane #(.S(S), .OUT_W(ACC_W)) u_lane (.w(w1[2*S*p +: 2*S]), .x(x1), .sum(lane[p]));
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      state <= LOAD;
      kf <= '0;
      nf <= '0;
      addr <= '0;
      v1 <= 1'b0;
      v2 <= 1'b0;
      y_valid <= 1'b0;
    end else begin
      if (y_valid && y_ready) y_valid <= 1'b0;
      case (state)
        LOAD: if (x_valid) begin
          xmem[kf] <= x_data;
          if (kf == KW'(KF - 1)) begin
            kf <= '0;
            state <= RUN;
          end else kf <= kf + 1'b1;
        end
        RUN: if (issue) begin
          if (kf == KW'(KF - 1)) begin
            kf <= '0;
            if (nf == NW'(NF - 1)) begin
              nf <= '0;
              state <= DRAIN;
            end else nf <= nf + 1'b1;
          end else kf <= kf + 1'b1;
          addr <= addr == AW'(NF * KF - 1) ? '0 : addr + 1'b1;
        end
        DRAIN: if (adv && !v1 && !v2) state <= LOAD;
        default: state <= LOAD;
      endcase
      if (adv) begin
        v1 <= issue;
        first1 <= kf == '0;
        last1 <= kf == KW'(KF - 1);
        if (issue) x1 <= xmem[kf];
        v2 <= v1;
        first2 <= first1;
        last2 <= last1;
        for (int p = 0; p < P; p++) s2[p] <= lane[p];
        if (v2) begin
          for (int p = 0; p < P; p++) begin
            acc[p] <= first2 ? s2[p] : acc[p] + s2[p];
            if (last2) y_data[ACC_W*p +: ACC_W] <= first2 ? s2[p] : acc[p] + s2[p];
          end
          if (last2) y_valid <= 1'b1;
        end
      end
    end
  end
endmodule
