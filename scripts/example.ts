// `npm run example`, the main job: the bundled model compiled to every target, each build validated against the
// interpreter and run, and one table of what came out. Progress goes to stderr, the table to stdout; the builds stay
// in build/example/ to be read. Exit 1 when a target fails its validation.
import { rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveOptions } from "../backends/common/index.js";
import { loadModel } from "../src/frontend/loadModel.js";
import { folderSize } from "../src/io/files.js";
import { bytesText } from "../src/util/bytes.js";
import { ROOT } from "./lib/root.js";
import { generate } from "../src/generate.js";
import { loadModelGraph } from "../src/loadModelGraph.js";
import { allTargets } from "../src/targets/registry.js";
import { validateModel } from "../src/targets/validate.js";

const MODEL = join(ROOT, "examples/tiny-bitnet.gguf");
const PROMPT = "The model reads";
const STEPS = 16;

const rate = (tokens: number, seconds: number): string => (seconds > 0 ? (tokens / seconds).toFixed(0) : "-");

/** A run's engine without its details in parentheses, except whether the device is an emulation. */
const shortEngine = (engine: string): string => engine.replace(/ \(([^()]*)\)/g, (m, inner: string) => (/emulation/.test(inner) ? m : "")).replace(/, dot4I8Packed$/, "");

export interface ExampleRow {
  target: string;
  folder: string;
  files: string;
  size: string;
  validation: string;
  speed: string;
  engine: string;
  text: string;
  ok: boolean;
}

/** Runs the main job into `outDir`, telling `log` each step; returns the table's rows (the interpreter's first). */
export async function runExample(outDir: string, log: (line: string) => void, targets = allTargets()): Promise<ExampleRow[]> {
  const model = loadModel(MODEL);
  const tokenizer = model.tokenizer!;
  const prompt = tokenizer.encode(PROMPT);
  log(`model: ${relative(process.cwd(), MODEL) || MODEL} (${model.architecture}, ${model.hparams.layers} layers, hidden ${model.hparams.hidden}, random ternary weights)`);
  log(`prompt: ${JSON.stringify(PROMPT)} = tokens ${prompt.join(" ")}; ${STEPS} greedy tokens on each target`);
  const { graph } = loadModelGraph(MODEL, {});
  log("interpreter: generating (the reference every target is checked against)");
  const ref = generate(graph, prompt, STEPS);
  const rows: ExampleRow[] = [
    { target: "interpreter", folder: "-", files: "-", size: "-", validation: "the reference", speed: rate(ref.generated.length - 1, ref.decodeSeconds), engine: "ternc's interpreter (TypeScript)", text: JSON.stringify(tokenizer.decode(ref.generated)), ok: true },
  ];
  for (const target of targets) {
    const keep = join(outDir, target.name);
    rmSync(keep, { recursive: true, force: true });
    log(`${target.name}: compiling, building, validating against the interpreter (op by op for 2 steps, then ${STEPS} tokens)`);
    try {
      const report = await validateModel(MODEL, { target: target.name, steps: STEPS, tokens: prompt, keepDir: keep, log: (line) => log(`${target.name}: ${line}`) });
      const dir = join(keep, "model");
      const options = resolveOptions(target, {});
      target.build?.(dir, options, "release");
      log(`${target.name}: running the release build`);
      const run = await target.runModel(dir, { tokens: prompt, maxTokens: STEPS }, options);
      const { files, bytes } = folderSize(dir);
      const exact = report.maxFloatError === 0 ? "all bit-exact" : `integers exact, floats within ${report.maxFloatError.toExponential(1)}`;
      rows.push({
        target: target.name,
        folder: relative(process.cwd(), dir) || dir,
        files: String(files),
        size: bytesText(bytes),
        validation: report.ok ? `PASS (${report.checkedTensors} tensors, ${exact}; same ${report.tokens.compiled.length} tokens)` : `FAIL (${report.firstMismatch ?? "tokens differ"})`,
        speed: rate(run.generated.length - 1, run.decodeSeconds),
        engine: shortEngine(run.engine),
        text: JSON.stringify(tokenizer.decode(run.generated)),
        ok: report.ok,
      });
    } catch (e) {
      rows.push({ target: target.name, folder: keep, files: "-", size: "-", validation: `ERROR: ${(e as Error).message}`, speed: "-", engine: "-", text: "-", ok: false });
    }
  }
  return rows;
}

/** The rows as a Markdown table. */
export function exampleTable(rows: readonly ExampleRow[]): string {
  const head = ["target", "files", "size", "validation", "decode tokens/s", "ran on", "generated text", "build"];
  const lines = [head, head.map(() => "---"), ...rows.map((r) => [r.target, r.files, r.size, r.validation, r.speed, r.engine, r.text, r.folder])];
  return `${lines.map((l) => `| ${l.join(" | ")} |`).join("\n")}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = join(process.cwd(), "build", "example");
  const rows = await runExample(out, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`\n${exampleTable(rows)}`);
  process.stdout.write(`\nThe builds are in ${relative(process.cwd(), out)}/<target>/model. Speed here is one short run on a toy model; measured comparisons: npm run bench:c, bench:wgsl, bench:verilog.\n`);
  process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
}
