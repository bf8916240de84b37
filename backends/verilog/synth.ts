// Synthesis of a build's core with yosys (`make synth`: synth_xilinx for the 7 series) and what a hardware engineer
// reads first from it: per module and in total, LUTs, flip-flops, carry chains, DSPs and block RAMs, written to
// synthesis.json beside report.json (a build output, like the simulators: report.json is the compile's).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const SYNTH_STAT_FILE = "sim/synth.txt";
export const SYNTHESIS_FILE = "synthesis.json";

export interface CellCounts {
  luts: number;
  flipFlops: number;
  carry4: number;
  dsp48: number;
  bram36: number;
  bram18: number;
  /** LUT RAM primitives (RAM32M, RAM64M, ...): memories kept in LUTs. */
  lutRam: number;
  /** MUXF7/MUXF8: the slices' wide multiplexers (not LUTs). */
  sliceMuxes: number;
}

function counts(block: string): CellCounts {
  const c: CellCounts = { luts: 0, flipFlops: 0, carry4: 0, dsp48: 0, bram36: 0, bram18: 0, lutRam: 0, sliceMuxes: 0 };
  for (const m of block.matchAll(/^\s+(\S+)\s+(\d+)$/gm)) {
    const [cell, n] = [m[1]!, Number(m[2])];
    // LUT6_2 is one LUT6 with both of its outputs used.
    if (/^LUT\d(_2)?$/.test(cell)) c.luts += n;
    else if (/^FD[RSCP]E$/.test(cell)) c.flipFlops += n;
    else if (cell === "CARRY4") c.carry4 += n;
    else if (/^DSP48/.test(cell)) c.dsp48 += n;
    else if (cell === "RAMB36E1") c.bram36 += n;
    else if (cell === "RAMB18E1") c.bram18 += n;
    else if (/^RAM\d+[MSXD]/.test(cell)) c.lutRam += n;
    else if (/^MUXF[78]$/.test(cell)) c.sliceMuxes += n;
  }
  return c;
}

/** A module's readable name: `$paramod$<hash>\\ternc_mvu` and `$paramod\\ternc_lane_add3\\WI=...` lose their decoration. */
const moduleName = (raw: string): string => raw.replace(/^\$paramod(\$[0-9a-f]+)?\\/, "").split("\\")[0]!;

/** Instances of each module definition in the whole design, from the indented `design hierarchy` tree of counts. */
function instanceCounts(tree: string): Map<string, number> {
  const total = new Map<string, number>();
  const stack: Array<{ indent: number; times: number }> = [];
  for (const line of tree.split("\n")) {
    const m = /^( +)(\S+)\s+(\d+)$/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const times = Number(m[3]) * (stack.length ? stack[stack.length - 1]!.times : 1);
    stack.push({ indent, times });
    total.set(m[2]!, (total.get(m[2]!) ?? 0) + times);
  }
  return total;
}

/**
 * Reads yosys' `stat` output: one block per module definition (`=== name ===`), then `design hierarchy`: how many
 * instances of each, as a tree, and the design's total.
 */
export function parseYosysStat(text: string): { modules: Array<{ module: string; instances: number; cells: CellCounts }>; total: CellCounts } {
  const at = text.indexOf("=== design hierarchy ===");
  const hierarchy = at < 0 ? "" : text.slice(at);
  const tree = hierarchy.split(/\n\s*\n/)[1] ?? "";
  const instances = instanceCounts(tree);
  const blocks = [...(at < 0 ? text : text.slice(0, at)).matchAll(/^=== (.+) ===$([\s\S]*?)(?=^=== |(?![\s\S]))/gm)];
  const modules = blocks.map((b) => ({ module: moduleName(b[1]!), instances: instances.get(b[1]!) ?? 1, cells: counts(b[2]!) }));
  const total = at < 0 ? (modules[0]?.cells ?? counts("")) : counts(hierarchy.slice(hierarchy.indexOf("Number of cells:")));
  return { modules, total };
}

/** Turns `make synth`'s statistics into synthesis.json. */
export function writeSynthesisReport(dir: string): void {
  const parsed = parseYosysStat(readFileSync(join(dir, SYNTH_STAT_FILE), "utf8"));
  writeFileSync(join(dir, SYNTHESIS_FILE), `${JSON.stringify({ tool: "yosys synth_xilinx -family xc7", top: "ternc_top", ...parsed }, null, 2)}\n`);
}
