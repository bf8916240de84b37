// What a Verilog build's manifest.json says about its core, for the hosts that run it (ternc's interpreter host and
// the C host's generated table): the products in command order and the activation quantizers.
import type { RtlActQuant } from "./actQuant.js";

/** The layers as manifest.json and the co-simulation host read them. */
export interface LayerFacts {
  result: string;
  requant?: string;
  fracBits?: number;
  kind: "mvu" | "hardwired";
  k: number;
  n: number;
  rows: number;
  lanes: number;
  cyclesPerToken: number;
}

/** The activation quantizers as manifest.json and the co-simulation host read them. */
export type ActQuantFacts = Omit<RtlActQuant, "unit">;
