// The WGSL target from the command line, through the real executable: compile (with --dump-shaders), run --backend
// wgsl against the interpreter, options of another target, and ternc serve's refusals.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, ternc } from "../../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-wgsl-cli-"));
const example = join(ROOT, "examples/tiny-bitnet.gguf");
const env = { ...process.env, TERNC_CACHE_DIR: join(dir, "cache") };

describe("ternc compile --target wgsl", () => {
  it("writes the program, the runtime, the weights, the tokenizer and a manifest; --dump-shaders writes each shader", () => {
    const out = join(dir, "tiny-wgsl");
    const shaders = join(dir, "shaders");
    const r = ternc(["compile", example, "--target", "wgsl", "-o", out, "--dump-shaders", shaders]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\d+ shaders, \d+ dispatches per forward pass/);
    for (const f of ["program.js", "ternc_webgpu.js", "ternc_webgpu.d.ts", "run-node.mjs", "node-adapter.mjs", "weights.bin", "tokenizer.json", "manifest.json"]) expect(existsSync(join(out, f)), f).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.target).toBe("wgsl");
    expect(manifest.options.dumpShaders).toBe(shaders);
    const files = readdirSync(shaders);
    expect(files.length).toBe(manifest.details.shaders);
    const first = readFileSync(join(shaders, files[0]!), "utf8");
    expect(first).toMatch(/^\/\/ shader 0, run by \d+ step\(s\):\n\/\/ %embd = embedding\(/);
    expect(first).toContain("@compute @workgroup_size(64)");
  });

  it("refuses an option of another target", () => {
    const r = ternc(["compile", example, "--target", "wgsl", "-o", join(dir, "x"), "--kernel", "tq1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--kernel/);
    expect(existsSync(join(dir, "x"))).toBe(false);
  });
});

describe("ternc run --backend wgsl", () => {
  it("gives the interpreter's tokens, and says it runs on a CPU emulation where there is no GPU", () => {
    const interp = ternc(["run", example, "--tokens", "4,8,15,16", "--max-tokens", "10", "--json"]);
    const w = spawnSync(process.execPath, [join(ROOT, "dist/src/cli/main.js"), "run", example, "--backend", "wgsl", "--tokens", "4,8,15,16", "--max-tokens", "10", "--json"], { encoding: "utf8", env });
    expect(w.status, w.stderr).toBe(0);
    const result = JSON.parse(w.stdout);
    expect(result.generated).toEqual(JSON.parse(interp.stdout).generated);
    // CI machines have no GPU: Dawn finds none, and ternc runs on SwiftShader and says so without being told.
    const hasGpuDriver = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"].some((d) => existsSync(d) && readdirSync(d).length > 0);
    if (!hasGpuDriver) expect(result.adapter).toMatch(/SwiftShader.*\(CPU emulation\)/);
  });
});

describe("ternc serve", () => {
  it("refuses a folder that is not a wgsl build, with exit 1", () => {
    const r = ternc(["serve", ROOT]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a ternc build \(no manifest.json\)/);
    const bad = ternc(["serve", ROOT, "--port", "99999"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--port 99999: not a port number/);
  });
});
