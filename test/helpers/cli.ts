// Runs the CLI in-process (fast) or as the real built executable (exit codes, no stack traces).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runCli } from "../../src/cli/program.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(...argv: string[]): Promise<CliResult> {
  return cliWithInput(undefined, ...argv);
}

/** The CLI in-process with these lines on stdin (not a terminal). */
export async function cliWithInput(lines: readonly string[] | undefined, ...argv: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const readLines = lines && (async function* (): AsyncIterable<string> {
    yield* lines;
  });
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), ...(readLines ? { readLines } : {}) });
  return { code, stdout, stderr };
}

/** The built `ternc` (dist/src/cli/main.js), as a user runs it. */
export function ternc(argv: string[], cwd = ROOT): CliResult {
  const r = spawnSync(process.execPath, [`${ROOT}/dist/src/cli/main.js`, ...argv], { cwd, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
