// ternc opt: pipelines and instrumentation on the bundled models.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTir, printGraph } from "../../../ir/index.js";
import { loadModelGraph } from "../../../src/loadModelGraph.js";
import { fileBlobReader } from "../../../src/io/blobs.js";
import { interpret, tensorFromValues } from "../../../ir/index.js";
import { DEFAULT_PIPELINES } from "../../../src/passes/registry.js";
import { cli, ROOT } from "../../helpers/cli.js";

const BLOCK = join(ROOT, "examples/bitnet_block.tir");
const GGUF = join(ROOT, "examples/tiny-bitnet.gguf");
const tmp = (): string => mkdtempSync(join(tmpdir(), "ternc-opt-"));

describe("ternc opt", () => {
  it("--print-after-all shows the IR after each pass of the default pipeline", async () => {
    const r = await cli("opt", BLOCK, "--print-after-all", "-o", join(tmp(), "out.tir"));
    expect(r.code).toBe(0);
    const headers = [...r.stderr.matchAll(/^\/\/ ----- IR after ([a-z-]+)/gm)].map((m) => m[1]);
    expect(headers).toEqual([...DEFAULT_PIPELINES.interp!]);
  });
  it("--dump-dir writes one numbered file per pass, each of which parses back and verifies", async () => {
    const dir = tmp();
    const dump = join(dir, "dump");
    const r = await cli("opt", GGUF, "--dump-dir", dump, "-o", join(dir, "out.tir"));
    expect(r.stderr).not.toContain("error");
    // Beside the dumps, the large constants passes made (see below).
    const files = readdirSync(dump).filter((f) => f !== "constants").sort();
    expect(files).toEqual(["00-input", ...DEFAULT_PIPELINES.interp!.map((p, i) => `${String(i + 1).padStart(2, "0")}-${p}`)].map((f) => `${f}.tir`));
    for (const f of files) {
      const g = loadTir(readFileSync(join(dump, f), "utf8"), f);
      // The dumps live in a subfolder, so their blob paths point back up to the weights beside out.tir.
      expect(g.consts().some((c) => c.data.kind === "external" && /^\.\.\/out\.[0-9a-f]{16}\.bin$/.test(c.data.path))).toBe(true);
    }
    const final = loadTir(readFileSync(join(dir, "out.tir"), "utf8"));
    const out = interpret(final, { tokens: tensorFromValues("i32", [2], [5, 6]), pos: tensorFromValues("i32", [2], [0, 1]), ...Object.fromEntries(final.inputs().filter((i) => i.name.includes("cache")).map((i) => [i.name, tensorFromValues("f32", [0, i.type.shape[1] as number], [])])) }, { blobs: fileBlobReader(dir) });
    expect(out.logits!.shape).toEqual([2, 303]);
    expect(final.ops().some((n) => n.op === "bitlinear")).toBe(false);
  });
  it("the large constants passes make (merged products) are written once beside dumps and the output, not as text", async () => {
    const dir = tmp();
    const dump = join(dir, "dump");
    expect((await cli("opt", GGUF, "--dump-dir", dump, "-o", join(dir, "out.tir"))).code).toBe(0);
    const merged = readFileSync(join(dump, "05-merge-shared-products.tir"), "utf8");
    expect(merged).not.toContain("trits<");
    const written = [...merged.matchAll(/blob<"(constants\/[0-9a-f]{16}\.bin)"/g)].map((m) => m[1]!);
    expect(written.length).toBeGreaterThan(3);
    // Every dump after the merge refers to the same files; each is written once, named by its content.
    expect(readFileSync(join(dump, "06-const-fold.tir"), "utf8")).toContain(written[0]!);
    expect(readdirSync(join(dump, "constants")).length).toBeLessThan(3 * written.length);
    // The whole dump is a small fraction of the 5.8 MB the merged trits took as text.
    const bytes = readdirSync(dump).filter((f) => f.endsWith(".tir")).reduce((a, f) => a + readFileSync(join(dump, f)).length, 0);
    expect(bytes).toBeLessThan(600_000);
    // The output too, and it runs to the model's own tokens.
    expect(readFileSync(join(dir, "out.tir"), "utf8")).toMatch(/blob<"constants\/[0-9a-f]{16}\.bin"/);
    const fromOpt = JSON.parse((await cli("run", join(dir, "out.tir"), "--tokens", "1,2,3", "--max-tokens", "6", "--json")).stdout).generated;
    expect(fromOpt).toEqual(JSON.parse((await cli("run", GGUF, "--tokens", "1,2,3", "--max-tokens", "6", "--json")).stdout).generated);
  });
  it("an output in another folder names the input's blob there, says so, and runs with --allow-blob-path", async () => {
    const [a, b] = [tmp(), tmp()];
    expect((await cli("opt", GGUF, "--passes", "expand-bitlinear", "-o", join(a, "m.tir"))).code).toBe(0);
    const r = await cli("opt", join(a, "m.tir"), "--passes", "cse", "-o", join(b, "m2.tir"));
    expect(r.code).toBe(0);
    const blob = readdirSync(a).find((f) => f.endsWith(".bin"))!;
    expect(r.stderr).toContain(`note: the output names the weight blob ${join(a, blob)}, outside its folder: load it with --allow-blob-path ${a}`);
    const run = ["run", join(b, "m2.tir"), "--tokens", "5,6", "--max-tokens", "2"];
    expect((await cli(...run)).stderr).toContain("is outside");
    expect((await cli(...run, "--allow-blob-path", a)).code).toBe(0);
  });
  it("--print-after-change prints only passes that changed the IR; --stop-after stops there", async () => {
    const r = await cli("opt", BLOCK, "--print-after-change", "--stop-after", "cse");
    expect([...r.stderr.matchAll(/^\/\/ ----- IR after ([a-z-]+)/gm)].map((m) => m[1])).toEqual(["expand-bitlinear", "cse"]);
    expect(r.stdout).toContain("act_quant(");
  });
  it("--print-before, --passes, --time-passes, --emit-dot and --verify-each", async () => {
    const dot = join(tmp(), "dot");
    const r = await cli("opt", BLOCK, "--passes", "expand-bitlinear,dce", "--print-before", "dce", "--time-passes", "--emit-dot", dot, "--verify-each");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("// ----- IR before dce -----");
    expect(r.stderr).toMatch(/^pass +time \(ms\) +share +graph$/m);
    expect(r.stderr).toMatch(/^expand-bitlinear +\d+\.\d+ +\d+\.\d%  changed$/m);
    expect(readdirSync(dot).sort()).toEqual(["00-input.dot", "01-expand-bitlinear.dot", "02-dce.dot"]);
    expect(readFileSync(join(dot, "01-expand-bitlinear.dot"), "utf8")).toMatch(/^digraph "bitnet_block" \{[\s\S]*label="act_quant\\ni8\[T, 32\], f32\[T\]"/);
  });
  it("absmean-quantize reports the share of -1, 0 and +1 per tensor", async () => {
    const src = join(tmp(), "f.tir");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(src, 'graph @g {\n  input %x : f32[T, 4]\n  const %w : f32[1, 4] = dense<[0.5, -0.5, 0.0, 0.1]>\n  %y = bitlinear(%x, %w)\n  output %y\n}\n');
    const r = await cli("opt", src, "--passes", "absmean-quantize");
    expect(r.stderr).toBe("absmean-quantize: %w: scale 0.275, -1 25.0%, 0 50.0%, +1 25.0%\n");
  });
  it("unknown passes, a bad --stop-after and a model without -o are user errors", async () => {
    expect((await cli("opt", BLOCK, "--passes", "cse,frobnicate")).stderr).toContain("unknown pass 'frobnicate' (passes: ");
    expect((await cli("opt", BLOCK, "--passes", "cse", "--stop-after", "dce")).stderr).toContain("--stop-after dce: that pass is not in the pipeline (cse)");
    expect((await cli("opt", GGUF)).stderr).toContain("a model file needs -o OUT.tir");
  });
  it("passes --list describes every pass and the default pipelines", async () => {
    const r = await cli("passes", "--list");
    for (const p of DEFAULT_PIPELINES.interp!) expect(r.stdout).toContain(`${p}\n  `);
    expect(r.stdout).toContain(`interp: ${DEFAULT_PIPELINES.interp!.join(",")}`);
    const json = JSON.parse((await cli("passes", "--json")).stdout) as { passes: Array<{ name: string; lossy: boolean }>; pipelines: Record<string, string[]> };
    expect(json.pipelines.interp).toEqual([...DEFAULT_PIPELINES.interp!]);
    expect(json.passes.find((p) => p.name === "quantize-head")).toMatchObject({ lossy: true });
  });

  it("a model's --print-after-all elides large constants by default; --no-elide-constants prints them; dumps never elide", async () => {
    const dir = tmp();
    const elided = await cli("opt", GGUF, "--print-after-all", "--dump-dir", join(dir, "dump"), "-o", join(dir, "out.tir"));
    expect(elided.code).toBe(0);
    expect(elided.stderr).toMatch(/= elided<"\d+ values trits">/);
    const full = await cli("opt", GGUF, "--print-after-all", "--no-elide-constants", "-o", join(dir, "full.tir"));
    expect(full.stderr).not.toContain("elided<");
    // The merged products' trits dominate the full text (5.8 MB before eliding existed).
    expect(elided.stderr.length * 20).toBeLessThan(full.stderr.length);
    for (const f of readdirSync(join(dir, "dump")).filter((name) => name.endsWith(".tir"))) expect(readFileSync(join(dir, "dump", f), "utf8")).not.toContain("elided<");
    expect(readFileSync(join(dir, "out.tir"), "utf8")).not.toContain("elided<");
  });
  it("print --elide-constants N keeps small constants; text with elided<...> is refused with the reason, at its line", async () => {
    const dir = tmp();
    const r = await cli("print", BLOCK, "--elide-constants", "8");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ = dense<[^\n]*>\n/);
    expect(r.stdout).toMatch(/ = elided<"\d+ values">/);
    const file = join(dir, "elided.tir");
    writeFileSync(file, r.stdout);
    const line = r.stdout.split("\n").findIndex((l) => l.includes("elided<")) + 1;
    const check = await cli("check", file);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`${file}:${line}:`);
    expect(check.stderr).toContain("this constant's data was elided when the IR was printed (--elide-constants)");
    expect((await cli("print", BLOCK, "--elide-constants", "x")).stderr).toContain("--elide-constants 'x': expected a whole number >= 0");
  });
  it("a model loaded from its file prints with its weights elided (they are still in the file)", () => {
    const { graph } = loadModelGraph(GGUF, {});
    expect(() => printGraph(graph)).toThrow(/still in its model file/);
    const text = printGraph(graph, { elideAbove: 16 });
    expect(text).toContain(`= elided<"77568 values in ${GGUF}: tensor 'token_embd.weight' (F16)">`);
  });
});
