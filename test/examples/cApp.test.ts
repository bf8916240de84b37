// examples/c-app: a CMake project that compiles the bundled model with ternc when it is configured, links it, and
// generates the interpreter's tokens.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { loadModelGraph } from "../../src/loadModelGraph.js";
import { generate } from "../../src/generate.js";
import { ROOT } from "../helpers/cli.js";

it("configures (compiling the model), builds and generates the interpreter's greedy tokens", { timeout: 180_000 }, () => {
  const build = mkdtempSync(join(tmpdir(), "ternc-c-app-"));
  const configure = spawnSync("cmake", ["-S", join(ROOT, "examples/c-app"), "-B", build], { encoding: "utf8" });
  expect(configure.status, configure.stderr).toBe(0);
  expect(configure.stdout).toMatch(new RegExp(`ternc: compiled \\S*tiny-bitnet\\.gguf into ${join(build, "model")}`));
  const make = spawnSync("cmake", ["--build", build, "-j", "2"], { encoding: "utf8" });
  expect(make.status, make.stdout + make.stderr).toBe(0);
  const run = spawnSync(join(build, "generate"), ["5", "6", "7"], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const { graph } = loadModelGraph(join(ROOT, "examples/tiny-bitnet.gguf"), {});
  const want = generate(graph, [5, 6, 7], 16).generated;
  expect(run.stdout).toBe(`generated: ${want.join(" ")}\n`);
});

it("stops at configure time with ternc's message when the model cannot be compiled", () => {
  const build = mkdtempSync(join(tmpdir(), "ternc-c-app-"));
  const configure = spawnSync("cmake", ["-S", join(ROOT, "examples/c-app"), "-B", build, `-DTERNC_MODEL=${join(build, "missing.gguf")}`], { encoding: "utf8" });
  expect(configure.status).not.toBe(0);
  expect(configure.stderr).toContain(`ternc compile ${join(build, "missing.gguf")} failed:`);
  expect(configure.stderr).toContain("missing.gguf");
});
