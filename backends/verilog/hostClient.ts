// The C host's client (host/core_client.c, copied unchanged) and its generated table (host/core_table.h): which ops of
// the host program the simulated core computes, and the environment a run passes the FIFOs' paths in.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { HostClient } from "../common/index.js";
import type { ActQuantFacts, LayerFacts } from "./facts.js";
import { generatedLine } from "./rtl.js";

/** The environment variables a run tells the client its simulator by. */
export const CORE_ENV = { cmd: "TERNC_CORE_CMD", out: "TERNC_CORE_OUT", pid: "TERNC_CORE_PID", stats: "TERNC_CORE_STATS" } as const;

/** The folder of a Verilog build that holds its C host program. */
export const HOST_PROGRAM_DIR = "host";

const CLIENT_FILE = "core_client.c";

function clientSource(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, "host"), resolve(here, "../../../backends/verilog/host")]) if (existsSync(join(dir, CLIENT_FILE))) return readFileSync(join(dir, CLIENT_FILE), "utf8");
  throw new Error(`internal: the Verilog host client is missing (looked next to ${here})`);
}

const cText = (s: string | undefined): string => (s === undefined ? "NULL" : JSON.stringify(s));

/** core_table.h: the core's products (in command order) and activation quantizers, and the environment's names. */
export function coreTable(layers: readonly LayerFacts[], quants: readonly ActQuantFacts[], banner: string): string {
  const rows = <T>(xs: readonly T[], row: (x: T) => string): string => (xs.length ? xs.map((x) => `  ${row(x)},`).join("\n") : "  {0},");
  return [
    generatedLine(banner, "//"),
    ...Object.entries(CORE_ENV).map(([k, v]) => `#define CORE_ENV_${k.toUpperCase()} ${JSON.stringify(v)}`),
    `#define CORE_LAYERS ${layers.length}`,
    `#define CORE_QUANTS ${quants.length}`,
    "static const core_layer core_layers[] = {",
    rows(layers, (l) => `{${cText(l.result)}, ${cText(l.requant)}, ${l.fracBits ?? 0}, ${l.k}, ${l.n}, ${l.lanes}}`),
    "};",
    "static const core_quant core_quants[] = {",
    rows(quants, (a) => `{${cText(a.result)}, ${a.command}, ${a.bits}, ${a.lanes}}`),
    "};",
    "",
  ].join("\n");
}

/** The client for a core: it computes the products, the dequants their requant stage serves, and the quantizers. */
export function coreHostClient(layers: readonly LayerFacts[], quants: readonly ActQuantFacts[], banner: string): HostClient {
  const results = new Set([...layers.flatMap((l) => [l.result, ...(l.requant ? [l.requant] : [])]), ...quants.map((a) => a.result)]);
  return {
    computes: (node) => results.has(node.results[0]!),
    sources: { [CLIENT_FILE]: clientSource(), "core_table.h": coreTable(layers, quants, banner) },
    attach: "ternc_core_attach",
  };
}
