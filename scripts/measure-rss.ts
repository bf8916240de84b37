// Runs one ternc command in this process and reports its time and peak resident memory on stderr as
// `TERNC_MEASURE {"code":..,"seconds":..,"maxRssBytes":..}` (used by bench:import and the memory tests).
import { readFileSync } from "node:fs";
import { runCli } from "../src/cli/program.js";

/**
 * Peak resident memory of this process image. getrusage's maxRSS is no good here: Linux carries it over
 * exec, so a child spawned by a big parent would report the parent's peak. VmHWM starts afresh.
 */
function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

const t0 = performance.now();
const code = await runCli(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
const seconds = (performance.now() - t0) / 1000;
process.stderr.write(`\nTERNC_MEASURE ${JSON.stringify({ code, seconds, maxRssBytes: peakRssBytes() })}\n`);
process.exitCode = code;
