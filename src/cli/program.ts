// The `ternc` command line (commander): commands, exit codes and error reporting.
import { existsSync } from "node:fs";
import { extname, join } from "node:path";
import { MANIFEST_FILE } from "../../backends/common/index.js";
import { Command, CommanderError, Option } from "commander";
import { allOps, f32, formatDiagnostic, IrError, isFloatDType, shortestFloatText, type Tensor, toNumbers } from "../../ir/index.js";
import { loadIrFile, printIrFile, runIrFile } from "../api.js";
import { isUserError, UserError } from "../errors.js";
import { parseInputs } from "../inputs.js";
import { writeFileAtomic } from "../io/files.js";
import { encodeNpy } from "../io/npy.js";
import { importCommand, inspectCommand, runModel } from "./modelCommands.js";
import type { ActQuantFlag } from "../loadModelGraph.js";
import { ELIDE_DEFAULT, elideAbove, optCommand, type OptOptions, passesCommand, statsCommand } from "./optCommand.js";
import { buildCommand } from "./buildCommand.js";
import { allTargets, defaultTargetName, targetNames } from "../targets/registry.js";
import { serveModel } from "../serve.js";
import { VERSION } from "../version.js";
import { addTargetOptions, compileCommand, type CompileCommandOptions, runBuildFolderCommand, runOnBackend, targetsCommand, validateCommand, type ValidateCommandOptions } from "./targetCommands.js";
import type { RunModelOptions } from "./modelCommands.js";
import { addSamplingOptions } from "./sampling.js";
import { chatCommand, type ChatCommandOptions } from "./chatCommand.js";
import { CHAT_FORMATS } from "../chat/formats.js";
import type { CliIo } from "./io.js";

export type { CliIo };

/** Exit codes, stable for build pipelines. */
export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_INTERNAL_ERROR = 2;

function jsonNumber(dtype: Tensor["dtype"], v: number): string {
  if (!Number.isFinite(v)) return "null";
  return isFloatDType(dtype) ? shortestFloatText(v, f32) : String(v);
}

/** Outputs as JSON: `{"outputs": {name: {dtype, shape, data}}}`, floats in their shortest exact form. */
export function outputsToJson(outputs: Record<string, Tensor>): string {
  const entries = Object.entries(outputs).map(([name, t]) => {
    const data = toNumbers(t).map((v) => jsonNumber(t.dtype, v));
    return `    ${JSON.stringify(name)}: {"dtype": ${JSON.stringify(t.dtype)}, "shape": ${JSON.stringify(t.shape)}, "data": [${data.join(", ")}]}`;
  });
  return `{\n  "outputs": {\n${entries.join(",\n")}\n  }\n}\n`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--allow-blob-path`, on every command that reads a .tir model's weight blobs. */
/** --progress / --no-progress: progress on stderr (shown on a terminal by default). */
const progressOptions = (c: Command): Command =>
  c.option("--progress", "show progress on stderr even when it is not a terminal").option("--no-progress", "show no progress, even on a terminal");

const allowBlobPathOption = (): Option => new Option("--allow-blob-path <dir>", "a folder besides a .tir file's own that its weight blobs may be read from (repeatable)").argParser(collect).default([]);

function buildProgram(io: CliIo): Command {
  const program = new Command("ternc")
    .description("ternc: a dataflow compiler for ternary (BitNet b1.58) neural networks")
    .version(VERSION)
    .option("--debug", "show stack traces of internal errors")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program
    .command("check")
    .description("parse and verify a .tir file; prints nothing and exits 0 when it is valid")
    .argument("<file>", "textual IR file (.tir)")
    .action((file: string) => {
      loadIrFile(file);
    });

  program
    .command("print")
    .description("print a .tir file in normalized form (verified, result types filled in, ops in topological order)")
    .argument("<file>", "textual IR file (.tir)")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .option("--elide-constants [n]", `print constants of more than n elements (default ${ELIDE_DEFAULT}) as elided<...>: for reading; the text no longer parses`)
    .action((file: string, opts: { output?: string; elideConstants?: string | boolean }) => {
      const text = printIrFile(file, { elideAbove: elideAbove(opts.elideConstants, false) });
      if (opts.output) writeFileAtomic(opts.output, text);
      else io.stdout(text);
    });

  const run = program
    .command("run")
    .description("run a model file (GGUF, Hugging Face folder) or a .tir graph in the reference interpreter, a model compiled for a target (--backend), or a folder ternc compile wrote")
    .argument("<file>", "a model file or folder, a textual IR file (.tir), or a compiled model's folder (run in place with its target)")
    .option("-i, --input <name=value>", "graph mode: an input as inline JSON (x=[[1,2]]) or a .npy / .json file; repeatable", collect, [])
    .option("--tokens <ids>", "model mode: the prompt as token ids, e.g. 1,2,3")
    .option("--prompt <text>", "model mode: the prompt as text (needs a tokenizer in the model file)")
    .option("--max-tokens <n>", "model mode: tokens to generate", "16")
    .option("--stop <ids>", "model mode: stop after generating any of these token ids (default: the tokenizer's end of sequence)")
    .option("--logits <file.npy>", "model mode: write the logits of every prompt position, float32 [tokens, vocab]")
    .addOption(new Option("--act-quant <mode>", "model mode: int8 per-token activations (the paper), or none (f32, as llama.cpp with F32/F16 weights)").choices(["per-token", "none"]))
    .option("--json", "model mode: print the result as JSON")
    .addOption(allowBlobPathOption())
    .addOption(new Option("--backend <name>", "model mode: the reference interpreter, or a compiled target (built once into a cache folder)").choices(["interp", ...targetNames()]).default("interp"))
    .addOption(new Option("--format <format>", "graph mode: output format").choices(["json", "npy"]).default("json"))
    .option("-o, --output <path>", "graph mode: json: the file to write (default stdout); npy: the folder for one NAME.npy per output");
  addSamplingOptions(run, 0);
  progressOptions(run);
  addTargetOptions(run, ["compile", "build", "run"]).action((file: string, opts: RunModelOptions & Record<string, unknown> & { input: string[]; format: "json" | "npy"; output?: string; backend: string }) => {
    if (existsSync(join(file, MANIFEST_FILE))) return runBuildFolderCommand(file, opts.backend, opts, io);
    const graphMode = opts.input.length > 0 || (extname(file) === ".tir" && opts.tokens === undefined && opts.prompt === undefined);
    if (!graphMode && opts.backend !== "interp") return runOnBackend(file, opts.backend, opts, io);
    if (opts.backend !== "interp") throw new UserError(`--backend ${opts.backend} runs models (--tokens or --prompt); a plain graph runs in the interpreter`);
    const targetFlags = run.options.filter((o) => o.description.startsWith("target ") && opts[o.attributeName()] !== undefined).map((o) => o.long!);
    if (targetFlags.length) {
      // The targets that declare every flag given.
      const owners = allTargets().filter((t) => targetFlags.every((f) => t.options.some((o) => o.flag.split(" ")[0] === f)));
      throw new UserError(`${targetFlags.join(", ")}: options of a compiled target; give --backend (${(owners.length ? owners : allTargets()).map((t) => t.name).join(", ")})`);
    }
    if (!graphMode) return runModel(file, opts, io);
    const graph = loadIrFile(file);
    const outputs = runIrFile(file, parseInputs(graph, opts.input), { allowBlobPath: opts.allowBlobPath });
    if (opts.format === "npy") {
      if (!opts.output) throw new UserError("--format npy needs -o/--output DIR (one NAME.npy per output)");
      for (const [name, t] of Object.entries(outputs)) writeFileAtomic(join(opts.output, `${name}.npy`), encodeNpy(t));
      io.stdout(`wrote ${Object.keys(outputs).length} output(s) to ${opts.output}\n`);
    } else if (opts.output) {
      writeFileAtomic(opts.output, outputsToJson(outputs));
    } else {
      io.stdout(outputsToJson(outputs));
    }
  });

  program
    .command("inspect")
    .description("show a model file's architecture, hyper-parameters and tensor table (reads only the header)")
    .argument("<model>", "a GGUF file or a Hugging Face folder")
    .option("--json", "print as JSON")
    .action((model: string, opts: { json?: boolean }) => inspectCommand(model, opts, io));

  progressOptions(
    program
      .command("import")
      .description("convert a model file to a .tir graph, with its weights in a .bin blob next to it")
      .argument("<model>", "a GGUF file or a Hugging Face folder")
      .requiredOption("-o, --output <file.tir>", "the IR file to write (weights go beside it, to NAME.<content hash>.bin)")
      .addOption(new Option("--act-quant <mode>", "int8 per-token activations, or none").choices(["per-token", "none"]).default("per-token"))
      .option("--json", "print what was written as JSON"),
  ).action((model: string, opts: { output: string; actQuant: ActQuantFlag; json?: boolean; progress?: boolean }) => importCommand(model, opts, io));

  program
    .command("opt")
    .description("run a pass pipeline on a .tir file or a model and write the IR (instrumentation goes to stderr)")
    .argument("<input>", "a .tir file, or a model file or folder")
    .option("-o, --output <file.tir>", "where to write the result (default stdout; required for a model, whose weights go to the NAME.<hash>.bin beside it)")
    .option("--passes <a,b,c>", "run exactly these passes, in order")
    .option("--target <name>", "use this target's default pipeline", "interp")
    .option("--print-before <passes>", "print the IR before these passes")
    .option("--print-after <passes>", "print the IR after these passes")
    .option("--print-before-all", "print the IR before every pass")
    .option("--print-after-all", "print the IR after every pass")
    .option("--print-after-change", "with the print-after options: print only when the pass changed the IR")
    .option("--dump-dir <dir>", "write 00-input.tir and one numbered .tir per pass into this folder")
    .option("--stop-after <pass>", "stop the pipeline after this pass")
    .option("--verify-each", "verify the IR after every pass (a failure is a bug in that pass)")
    .option("--time-passes", "print a table of the time each pass took")
    .option("--emit-dot <dir>", "write a Graphviz .dot of the graph after every pass into this folder")
    .option("--elide-constants [n]", `in the --print-* output, constants of more than n elements (default ${ELIDE_DEFAULT}) as elided<...>; on by default for a model`)
    .option("--no-elide-constants", "print every constant in full (a model's weights print only once written out: ternc import)")
    .addOption(new Option("--act-quant <mode>", "for a model: int8 per-token activations, or none").choices(["per-token", "none"]))
    .addOption(allowBlobPathOption())
    .action((input: string, opts: OptOptions) => optCommand(input, opts, io));

  program
    .command("stats")
    .description("arithmetic per token before and after lowering, weight bytes per format, memory and an energy estimate")
    .argument("<model>", "a model file or folder, or a .tir model graph")
    .option("--passes <a,b,c>", "the pipeline to lower with (default: the interp target's)")
    .option("--context <n>", "context length for attention, KV cache and memory figures", "1024")
    .option("--json", "print as JSON")
    .addOption(allowBlobPathOption())
    .action((model: string, opts: { passes?: string; context: string; json?: boolean; allowBlobPath: string[] }) => statsCommand(model, opts, io));

  program
    .command("passes")
    .description("list the passes and the default pipelines")
    .option("--list", "list them (the default)")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => passesCommand(io, opts.json));

  const compile = program
    .command("compile")
    .description("compile a model (GGUF, Hugging Face folder, or a .tir model graph) to a target's code")
    .argument("<model>", "a model file or folder, or a .tir graph with the model interface")
    .addOption(new Option("--target <name>", "the target (see ternc targets)").choices(targetNames()).default(defaultTargetName()))
    .option("-o, --output <dir>", "the folder to write (replaced as a whole once complete)")
    .addOption(new Option("--act-quant <mode>", "int8 per-token activations (the paper), or none").choices(["per-token", "none"]))
    .option("--context <n>", "default context length of the compiled model (default: the model's, at most 4096)")
    .addOption(allowBlobPathOption())
    .option("--json", "print what was written as JSON");
  progressOptions(compile);
  addTargetOptions(compile, ["compile"]).action((model: string, opts: CompileCommandOptions) => compileCommand(model, opts, io));

  progressOptions(
    program
      .command("build")
      .description("compile a model for every target a build config (ternc.json) lists, validating each if it asks; see the README for its keys")
      .argument("<config>", "the build config, a JSON file")
      .option("--out <dir>", "the output folder instead of the config's outputDir")
      .option("--json", "print the summary as JSON"),
  ).action((config: string, opts: { out?: string; json?: boolean; progress?: boolean }) => buildCommand(config, opts, io));

  const validate = program
    .command("validate")
    .description("compile, build and run a model's target code on seeded tokens and compare it with the interpreter (exit 1 on a mismatch)")
    .argument("<model>", "a model file or folder, or a .tir graph with the model interface")
    .addOption(new Option("--target <name>", "the target (see ternc targets)").choices(targetNames()).default(defaultTargetName()))
    .option("--steps <n>", "generated tokens compared", "32")
    .option("--tokens <ids>", "the prompt (default: seeded random tokens)")
    .addOption(new Option("--act-quant <mode>", "int8 per-token activations (the paper), or none").choices(["per-token", "none"]))
    .option("--keep <dir>", "keep the generated sources, build and trace in this folder")
    .addOption(allowBlobPathOption())
    .option("--json", "print the report as JSON");
  progressOptions(validate);
  addSamplingOptions(validate, 0, "seed of the random prompt and of the sampler (default 1)");
  addTargetOptions(validate, ["compile", "build", "run"]).action((model: string, opts: ValidateCommandOptions) => validateCommand(model, opts, io));

  const chat = program
    .command("chat")
    .description("chat with a model on stdin and stdout, its prompt built by the model's chat template, in the interpreter or a compiled target")
    .argument("<model>", "a model file or folder with a tokenizer (GGUF, Hugging Face)")
    .addOption(new Option("--backend <name>", "the reference interpreter, or a compiled target (built once into a cache folder)").choices(["interp", ...targetNames()]).default("interp"))
    .option("--chat-template <name>", `a chat format instead of the one the model's template is written for (${Object.keys(CHAT_FORMATS).join(", ")})`)
    .option("--system <text>", "a system message opening the conversation")
    .option("--max-tokens <n>", "the most tokens of one reply", "256")
    .option("--context <n>", "the most tokens of a prompt and its reply; older turns are dropped to fit (default: the model's, at most 4096)")
    .addOption(new Option("--act-quant <mode>", "int8 per-token activations (the paper), or none").choices(["per-token", "none"]))
    .addOption(allowBlobPathOption())
    .option("--json", "print each turn as one JSON line (user, reply, tokens, timings)");
  addSamplingOptions(chat, 0.8, "the sampler's seed; turn i samples with seed + i (default: a random one, printed)");
  addTargetOptions(chat, ["compile", "build", "run"]).action((model: string, opts: ChatCommandOptions) => chatCommand(model, opts, io));

  program
    .command("serve")
    .description("serve a build that runs in a browser (see ternc targets) with the web demo page on 127.0.0.1 (stop with Ctrl-C)")
    .argument("<dir>", "the output folder of ternc compile")
    .option("--port <n>", "the port (0: any free one)", "8080")
    .action(async (dir: string, opts: { port: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port ${opts.port}: not a port number`);
      const { url } = await serveModel(dir, port);
      io.stdout(`serving ${dir} with the web demo at ${url} (a browser with WebGPU: Chrome, Edge, or Chromium with --enable-unsafe-webgpu)\n`);
    });

  program
    .command("targets")
    .description("list the compile targets: their options, pipelines and the ops each compiles")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => targetsCommand(opts, io));

  program
    .command("ops")
    .description("list the IR's ops with their operands, attributes and semantics")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        const ops = allOps().map((op) => ({ name: op.name, summary: op.summary, description: op.description, levels: op.levels, operands: op.operands, results: op.results, attrs: op.attrs }));
        io.stdout(`${JSON.stringify(ops, null, 2)}\n`);
        return;
      }
      for (const op of allOps()) {
        const operands = op.operands.map((o) => (o.optional ? `[${o.name}]` : o.name)).join(", ");
        io.stdout(`${op.name}(${operands}) -> ${op.results.join(", ")}    [${op.levels.join(", ")}]\n  ${op.summary}\n`);
        for (const o of op.operands) io.stdout(`    ${o.name}: ${o.doc}\n`);
        for (const a of op.attrs) {
          const extra = a.default !== undefined ? ` = ${JSON.stringify(a.default)}` : a.optional ? " (optional)" : " (required)";
          io.stdout(`    {${a.name}: ${a.kind}${extra}} ${a.doc}${a.oneOf ? `: ${a.oneOf.join(" | ")}` : ""}\n`);
        }
        io.stdout(`  ${op.description}\n\n`);
      }
    });

  return program;
}

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns the exit code:
 * 0 success, 1 a user error (bad file, bad option, invalid IR), 2 an internal error.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  const debug = argv.includes("--debug");
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      const ok = e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help";
      return ok ? EXIT_OK : EXIT_USER_ERROR;
    }
    if (e instanceof IrError) {
      for (const d of e.diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
      if (debug) io.stderr(`${e.stack}\n`);
      return EXIT_USER_ERROR;
    }
    if (isUserError(e)) {
      io.stderr(`ternc: error: ${e.message}\n`);
      if (debug) io.stderr(`${e.stack}\n`);
      return EXIT_USER_ERROR;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.stderr(`ternc: internal error: ${err.message}\n`);
    io.stderr(debug ? `${err.stack}\n` : "(this is a bug in ternc; run with --debug for a stack trace and report it)\n");
    return EXIT_INTERNAL_ERROR;
  }
}
