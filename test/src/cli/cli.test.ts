// The ternc command line: commands, outputs, exit codes (0 ok, 1 user error, 2 internal) and messages.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTir, printGraph, tensorFromValues } from "../../../ir/index.js";
import { runCli } from "../../../src/cli/program.js";
import { encodeNpy, parseNpy } from "../../../src/io/npy.js";
import { cli, ROOT, ternc } from "../../helpers/cli.js";

const EXAMPLE = join(ROOT, "examples/bitnet_block.tir");
const tmp = (): string => mkdtempSync(join(tmpdir(), "ternc-cli-"));

const SMALL = `graph @small {
  input %x : f32[T, 2]
  const %g : f32[2] = dense<[2.0, 0.5]>
  %y = rmsnorm(%x, %g) {eps = 3.5}
  output %y
}
`;

function writeSmall(dir: string): string {
  const file = join(dir, "small.tir");
  writeFileSync(file, SMALL);
  return file;
}

describe("ternc check", () => {
  it("exits 0 and prints nothing for a valid file", async () => {
    expect(await cli("check", EXAMPLE)).toEqual({ code: 0, stdout: "", stderr: "" });
  });
  it("exits 1 with file:line:col for an invalid file (real executable, no stack trace)", () => {
    const dir = tmp();
    const bad = join(dir, "bad.tir");
    writeFileSync(bad, "graph @g {\n  input %x : f32[4]\n  %y = silu(%x, %x)\n  output %y\n}\n");
    const r = ternc(["check", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${bad}:3:8: 'silu': expects 1 operands (x), got 2\n`);
    expect(r.stderr).not.toContain("    at ");
  });
  it("a missing file is a user error", async () => {
    const r = await cli("check", "/nonexistent/model.tir");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ternc: error: cannot read '/nonexistent/model.tir': no such file or directory\n");
  });
});

describe("ternc print", () => {
  it("prints the normalized text (types filled in)", async () => {
    const r = await cli("print", writeSmall(tmp()));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("%y = rmsnorm(%x, %g) {eps = 3.5} : f32[T, 2]");
    expect(printGraph(loadTir(r.stdout))).toBe(r.stdout);
  });
  it("-o writes a file", async () => {
    const dir = tmp();
    const out = join(dir, "out.tir");
    expect((await cli("print", writeSmall(dir), "-o", out)).code).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("graph @small");
  });
});

describe("ternc run", () => {
  it("runs inline inputs and prints JSON", async () => {
    const r = await cli("run", writeSmall(tmp()), "--input", "x=[[3,4],[0,0]]");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { outputs: Record<string, { dtype: string; shape: number[]; data: number[] }> };
    expect(out.outputs.y).toEqual({ dtype: "f32", shape: [2, 2], data: [1.5, 0.5, 0, 0] });
  });
  it("reads .npy and .json inputs and writes .npy outputs", async () => {
    const dir = tmp();
    const file = writeSmall(dir);
    writeFileSync(join(dir, "x.npy"), encodeNpy(tensorFromValues("f32", [1, 2], [3, 4])));
    const r = await cli("run", file, "-i", `x=${join(dir, "x.npy")}`, "--format", "npy", "-o", join(dir, "out"));
    expect(r.code).toBe(0);
    const y = parseNpy(readFileSync(join(dir, "out", "y.npy")), "y.npy");
    expect(y).toEqual({ descr: "<f4", shape: [1, 2], values: Float64Array.of(1.5, 0.5) });
    writeFileSync(join(dir, "x.json"), "[[3, 4]]");
    expect(JSON.parse((await cli("run", file, "-i", `x=${join(dir, "x.json")}`)).stdout).outputs.y.data).toEqual([1.5, 0.5]);
  });
  it("runs the bundled example through the real executable", () => {
    const r = ternc(["run", "examples/bitnet_block.tir", "--input", "tokens=[3,1,4,1,5]", "--input", "pos=[0,1,2,3,4]"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const logits = JSON.parse(r.stdout).outputs.logits as { shape: number[]; data: number[] };
    expect(logits.shape).toEqual([5, 48]);
    expect(logits.data.every(Number.isFinite)).toBe(true);
  });

  const userErrors: Array<[string, string[], string]> = [
    ["a missing input", [], "missing input %x : f32[T, 2]"],
    ["an unknown input", ["-i", "z=[1]"], "--input 'z': the graph has no such input (its inputs: %x : f32[T, 2])"],
    ["a wrong rank", ["-i", "x=[1,2]"], "input %x: expected f32[T, 2], got f32[2]"],
    ["bad JSON", ["-i", "x=[1,"], "--input x: '[1,' is not valid JSON"],
    ["a ragged array", ["-i", "x=[[1,2],[3]]"], "--input x: ragged array (element 1 has shape [1], element 0 has [2])"],
    ["a spec without '='", ["-i", "x"], "--input 'x': expected name=value"],
    ["a missing input file", ["-i", "x=/nonexistent.npy"], "cannot read '/nonexistent.npy': no such file or directory"],
  ];
  for (const [what, args, message] of userErrors) {
    it(`${what} is a user error`, async () => {
      const r = await cli("run", writeSmall(tmp()), ...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe("");
    });
  }
  it("a non-integer token id is a user error", async () => {
    const r = await cli("run", EXAMPLE, "-i", "tokens=[1.5]", "-i", "pos=[0]");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--input tokens: element 0 (1.5) is not a valid i32 value");
  });
  it("a token id out of the vocabulary is a run-time user error", async () => {
    const r = await cli("run", EXAMPLE, "-i", "tokens=[99]", "-i", "pos=[0]");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ternc: error: embedding: token id 99 at position 0 is outside [0, 48)\n");
  });
  it("leaves no half-written output behind when it fails", async () => {
    const dir = tmp();
    const r = await cli("run", EXAMPLE, "-i", "tokens=[99]", "-i", "pos=[0]", "-o", join(dir, "out.json"));
    expect(r.code).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("options, help and exit codes", () => {
  it("--help on every command exits 0", async () => {
    for (const cmd of [[], ["check"], ["print"], ["run"], ["ops"]]) {
      const r = await cli(...cmd, "--help");
      expect(r.code, cmd.join(" ")).toBe(0);
      expect(r.stdout).toContain("Usage: ternc");
    }
  });
  it("an unknown option or command exits 1", async () => {
    expect((await cli("check", "--frobnicate", EXAMPLE)).code).toBe(1);
    expect((await cli("compile-everything")).code).toBe(1);
    expect((await cli("run", EXAMPLE, "--format", "xml")).code).toBe(1);
  });
  it("npy output without a folder is a user error", async () => {
    const r = await cli("run", writeSmall(tmp()), "-i", "x=[[1,2]]", "--format", "npy");
    expect(r).toMatchObject({ code: 1, stderr: "ternc: error: --format npy needs -o/--output DIR (one NAME.npy per output)\n" });
  });
  it("ops lists every registered op with its semantics", async () => {
    const r = await cli("ops");
    expect(r.code).toBe(0);
    for (const op of ["bitlinear", "act_quant", "ternary_matmul", "dequant", "attention", "rope"]) expect(r.stdout).toContain(`${op}(`);
    const json = JSON.parse((await cli("ops", "--json")).stdout) as Array<{ name: string; operands: Array<{ name: string }>; attrs: Array<{ name: string }> }>;
    expect(json.find((o) => o.name === "rmsnorm")).toMatchObject({ operands: [{ name: "x" }, { name: "g" }], attrs: [{ name: "eps" }] });
  });
  it("an internal error exits 2, with the stack trace only under --debug", async () => {
    const broken = { stdout: (): void => { throw new TypeError("boom"); } };
    let err = "";
    expect(await runCli(["print", EXAMPLE], { ...broken, stderr: (t) => (err += t) })).toBe(2);
    expect(err).toContain("ternc: internal error: boom");
    expect(err).not.toContain("    at ");
    let debugErr = "";
    expect(await runCli(["print", EXAMPLE, "--debug"], { ...broken, stderr: (t) => (debugErr += t) })).toBe(2);
    expect(debugErr).toContain("    at ");
  });
  it("a directory given as the IR file is a user error", async () => {
    expect(await cli("check", ROOT)).toMatchObject({ code: 1, stderr: `ternc: error: cannot read '${ROOT}': it is a directory\n` });
  });
});

describe("a reader that closes the pipe early", () => {
  it("ends every command quietly: no EPIPE stack trace, the command's own exit code", () => {
    const main = join(ROOT, "dist/src/cli/main.js");
    for (const args of ["ops", "--help", "passes", "inspect examples/tiny-bitnet.gguf", "run examples/tiny-bitnet.gguf --tokens 1,2 --max-tokens 4"]) {
      // `true` exits without reading; a long output then meets a closed pipe.
      const r = spawnSync("bash", ["-c", `"${process.execPath}" "${main}" ${args} | true; echo "status \${PIPESTATUS[0]}"`], { cwd: ROOT, encoding: "utf8" });
      expect(r.stderr, args).not.toMatch(/EPIPE|node:events|\n\s+at /);
      expect(r.stdout, args).toBe("status 0\n");
    }
  });
});
