// The web demo (examples/web) end to end in a real browser: headless Chromium with WebGPU (on SwiftShader where the
// machine has no GPU) loads the bundled model compiled for wgsl from `ternc serve`, encodes a prompt with the model's
// tokenizer and generates; the tokens must equal the interpreter's. `ternc serve` serves nothing but its files.
import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveModel } from "../../src/serve.js";
import { compileModel } from "../../src/targets/compile.js";
import { cli, ROOT } from "../helpers/cli.js";

const MODEL = join(ROOT, "examples/tiny-bitnet.gguf");
let server: Server;
let url: string;
let browser: Browser;

beforeAll(async () => {
  const out = join(mkdtempSync(join(tmpdir(), "ternc-web-")), "tiny-wgsl");
  compileModel(MODEL, out, { target: "wgsl" });
  ({ server, url } = await serveModel(out, 0));
  // Debian's chromium (installed by scripts/install-toolchains.sh); WebGPU needs the flag on Linux.
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--enable-unsafe-webgpu"] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

async function interpreterTokens(prompt: string, n: number): Promise<number[]> {
  const r = await cli("run", MODEL, "--prompt", prompt, "--max-tokens", String(n), "--json");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).generated as number[];
}

describe("examples/web in headless Chromium", () => {
  it.each(["Once upon a time", "ternary weights"])("generates the interpreter's tokens for %j through the page", async (prompt) => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => !(document.getElementById("generate") as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
    expect(await page.textContent("#device")).toMatch(/features/);
    expect(await page.textContent("#load-text")).toMatch(/weights loaded/);
    await page.fill("#prompt", prompt);
    await page.fill("#max-tokens", "12");
    await page.click("#generate");
    await page.waitForFunction(() => document.getElementById("tokens")!.textContent !== "", undefined, { timeout: 60_000 });
    const tokens = (await page.textContent("#tokens"))!.split(",").map(Number);
    expect(tokens).toEqual(await interpreterTokens(prompt, 12));
    expect(await page.textContent("#stats")).toMatch(/12 tokens, [\d.]+ tokens\/s/);
    expect(await page.textContent("#error")).toBe("");
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("samples with ternc's sampler in the page: the interpreter's tokens for the same seed", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => !(document.getElementById("generate") as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
    for (const [id, value] of [["#prompt", "the model"], ["#max-tokens", "10"], ["#temperature", "30"], ["#top-p", "1"], ["#min-p", "0"], ["#seed", "7"]] as const) await page.fill(id, value);
    await page.click("#generate");
    await page.waitForFunction(() => document.getElementById("tokens")!.textContent !== "", undefined, { timeout: 60_000 });
    const tokens = (await page.textContent("#tokens"))!.split(",").map(Number);
    const r = await cli("run", MODEL, "--prompt", "the model", "--max-tokens", "10", "--temperature", "30", "--top-p", "1", "--min-p", "0", "--seed", "7", "--json");
    expect(tokens).toEqual(JSON.parse(r.stdout).generated);
    expect(new Set(tokens).size).toBeGreaterThan(2);
    expect(await page.textContent("#error")).toBe("");
    await page.close();
  }, 120_000);

  it("serves only the demo, the tokenizer module and the build's files", async () => {
    for (const path of ["/model/manifest.json", "/model/program.js", "/model/weights.bin", "/model/tokenizer.json", "/tokenizer.js", "/demo.js", "/"]) expect((await fetch(new URL(path, url))).status, path).toBe(200);
    for (const path of ["/package.json", "/model/../package.json", "/model/%2e%2e/package.json", "/etc/passwd", "/model/"]) expect((await fetch(new URL(path, url))).status, path).toBe(404);
    expect((await fetch(new URL("/", url), { method: "POST" })).status).toBe(405);
  });

  it("refuses a folder that is not a wgsl build", async () => {
    await expect(serveModel(ROOT, 0)).rejects.toThrow(/not a ternc build/);
  });
});
