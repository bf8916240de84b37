// `npm run screenshot:web`: the README's picture of the web demo. Compiles the bundled model for wgsl, serves it
// with `ternc serve`'s server, generates from a prompt in headless Chromium (WebGPU on the machine's GPU, or on
// SwiftShader) and saves the page as examples/web/screenshot.png.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serveModel } from "../src/serve.js";
import { compileModel } from "../src/targets/compile.js";

const root = new URL("..", import.meta.url).pathname.replace(/dist\/$/, "");
const out = join(mkdtempSync(join(tmpdir(), "ternc-shot-")), "tiny-wgsl");
compileModel(join(root, "examples/tiny-bitnet.gguf"), out, { target: "wgsl" });
const { server, url } = await serveModel(out, 0);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--enable-unsafe-webgpu"] });
try {
  const page = await browser.newPage({ viewport: { width: 880, height: 640 } });
  await page.goto(url);
  await page.waitForFunction(() => !(document.getElementById("generate") as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
  await page.fill("#prompt", "Once upon a time");
  await page.click("#generate");
  await page.waitForFunction(() => document.getElementById("tokens")!.textContent !== "", undefined, { timeout: 60_000 });
  const file = join(root, "examples/web/screenshot.png");
  await page.screenshot({ path: file });
  console.log(`wrote ${file}`);
} finally {
  await browser.close();
  server.close();
}
