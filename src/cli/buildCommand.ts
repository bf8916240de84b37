// `ternc build ternc.json`: every target of a build config, a line each (or the summary as JSON); exit 1 when a
// build's validation fails.
import { runBuild } from "../buildConfig.js";
import { UserError } from "../errors.js";
import type { CliIo } from "./io.js";
import { progressFor } from "./progress.js";
import { bytesText } from "../util/bytes.js";

export async function buildCommand(config: string, opts: { out?: string; json?: boolean; progress?: boolean }, io: CliIo): Promise<void> {
  const progress = progressFor(io, "build", opts.progress);
  const summary = await runBuild(config, { outDir: opts.out, log: progress && ((line) => progress.update(line)) });
  progress?.end();
  if (opts.json) io.stdout(`${JSON.stringify(summary)}\n`);
  else {
    for (const t of summary.targets) {
      io.stdout(`${t.name} (${t.target}): ${t.dir}, ${t.files} files, ${bytesText(t.bytes)}${t.validation ? `, validation ${t.validation}` : ""}${t.lossy.length ? `, LOSSY: ${t.lossy.join("; ")}` : ""}\n`);
    }
  }
  const failed = summary.targets.filter((t) => t.validation === "FAIL").map((t) => t.name);
  if (failed.length) throw new UserError(`${config}: validation failed for ${failed.join(", ")}`);
}
