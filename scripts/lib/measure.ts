// Spawns `ternc` through measure-rss and parses its report.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface Measurement {
  code: number;
  seconds: number;
  maxRssBytes: number;
  stdout: string;
  stderr: string;
}

const SCRIPT = fileURLToPath(new URL("../measure-rss.js", import.meta.url));

/** Runs the built ternc with `args` in a fresh Node process; `script` overrides the measure-rss path. */
export function measureTernc(args: string[], script = SCRIPT): Measurement {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  const line = /TERNC_MEASURE (\{.*\})/.exec(r.stderr ?? "");
  if (!line) throw new Error(`measure-rss gave no report (exit ${r.status}): ${r.stderr}`);
  const m = JSON.parse(line[1]!) as { code: number; seconds: number; maxRssBytes: number };
  return { ...m, stdout: r.stdout, stderr: r.stderr.replace(line[0], "").trim() };
}
