// The `ternc` command line (commander): commands, exit codes and error reporting.
import { join } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { allOps, f32, formatDiagnostic, IrError, isFloatDType, shortestFloatText, type Tensor, toNumbers } from "../../ir/index.js";
import { loadIrFile, printIrFile, runIrFile } from "../api.js";
import { isUserError, UserError } from "../errors.js";
import { parseInputs } from "../inputs.js";
import { writeFileAtomic } from "../io/files.js";
import { encodeNpy } from "../io/npy.js";

/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit codes, stable for build pipelines. */
export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_INTERNAL_ERROR = 2;

const VERSION = "0.1.0";

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
    .action((file: string, opts: { output?: string }) => {
      const text = printIrFile(file);
      if (opts.output) writeFileAtomic(opts.output, text);
      else io.stdout(text);
    });

  program
    .command("run")
    .description("run a .tir file in the reference interpreter and print or save its outputs")
    .argument("<file>", "textual IR file (.tir)")
    .option("-i, --input <name=value>", "a graph input: inline JSON (tokens=[1,2,3]) or a .npy / .json file (x=x.npy); repeatable", collect, [])
    .addOption(new Option("--format <format>", "output format").choices(["json", "npy"]).default("json"))
    .option("-o, --output <path>", "json: the file to write (default stdout); npy: the folder for one NAME.npy per output")
    .action((file: string, opts: { input: string[]; format: "json" | "npy"; output?: string }) => {
      const graph = loadIrFile(file);
      const outputs = runIrFile(file, parseInputs(graph, opts.input));
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
    .command("ops")
    .description("list the IR's ops with their operands, attributes and semantics")
    .action(() => {
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
