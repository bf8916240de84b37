// examples/pipeline: one build config (ternc.json) for several targets, run from an npm script and from CMake, and
// the config's checks (a bad key is an error naming it).
import { execSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BuildSummary } from "../../src/buildConfig.js";
import { cli, ROOT } from "../helpers/cli.js";

const EXAMPLE = join(ROOT, "examples/pipeline");

describe("examples/pipeline", () => {
  it("its npm script builds and validates every target the config lists", { timeout: 180_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), "ternc-pipeline-"));
    const script = (JSON.parse(readFileSync(join(EXAMPLE, "package.json"), "utf8")) as { scripts: { models: string } }).scripts.models;
    const stdout = execSync(`${script} --out ${out}`, { cwd: EXAMPLE, encoding: "utf8" });
    expect(stdout).toMatch(/^c-i2 \(c\): .*validation PASS\nc-tq1 \(c\): .*validation PASS\nwgsl \(wgsl\): .*validation PASS\n$/);
    const summary = JSON.parse(readFileSync(join(out, "build-summary.json"), "utf8")) as BuildSummary;
    expect(summary.targets.map((t) => [t.name, t.target, t.validation])).toEqual([["c-i2", "c", "PASS"], ["c-tq1", "c", "PASS"], ["wgsl", "wgsl", "PASS"]]);
    // The config's options reached the builds.
    expect(readFileSync(join(out, "c-i2", "ternc_model.cmake"), "utf8")).toContain("add_library(tiny_model STATIC");
    const manifest = JSON.parse(readFileSync(join(out, "c-tq1", "manifest.json"), "utf8")) as { options: Record<string, unknown>; details: { kernels: Record<string, string> } };
    expect(manifest.options).toMatchObject({ kernel: "tq1", prefix: "tiny_tq1" });
    expect(new Set(Object.values(manifest.details.kernels))).toEqual(new Set(["tq1"]));
  });

  it("its CMake project builds the models before anything that needs them", { timeout: 180_000 }, () => {
    const build = mkdtempSync(join(tmpdir(), "ternc-pipeline-cmake-"));
    const configure = spawnSync("cmake", ["-S", EXAMPLE, "-B", build], { encoding: "utf8" });
    expect(configure.status, configure.stderr).toBe(0);
    const make = spawnSync("cmake", ["--build", build], { encoding: "utf8" });
    expect(make.status, make.stdout + make.stderr).toBe(0);
    expect(existsSync(join(build, "models", "build-summary.json"))).toBe(true);
    expect(existsSync(join(build, "models", "wgsl", "program.js"))).toBe(true);
  });
});

describe("ternc build: the config is checked", () => {
  const dir = mkdtempSync(join(tmpdir(), "ternc-build-config-"));
  const model = join(ROOT, "examples/tiny-bitnet.gguf");
  const cases: Array<[string, unknown, string]> = [
    ["an unknown key", { model, targets: [{ target: "c" }], output: "x" }, "output: unknown key (expected model, outputDir, actQuant, context, targets, validate)"],
    ["an unknown target key", { model, targets: [{ target: "c", kernel: "i2" }] }, "targets[0].kernel: unknown key (expected target, name, options, pipeline)"],
    ["a target ternc does not have", { model, targets: [{ target: "cuda" }] }, 'targets[0].target: expected one of c, wgsl, verilog, got "cuda"'],
    ["an option the target does not have", { model, targets: [{ target: "c", options: { lanes: 4 } }] }, "targets[0].options.lanes: target c has no such option"],
    ["two targets with one folder", { model, targets: [{ target: "c" }, { target: "c" }] }, "targets[1].name: 'c' is used by an earlier target"],
    ["no targets", { model, targets: [] }, "targets: expected a non-empty list"],
    ["a context that is not a count", { model, context: 0, targets: [{ target: "c" }] }, "context: expected a whole number >= 1, got 0"],
    ["validate steps of a string", { model, validate: { steps: "4" }, targets: [{ target: "c" }] }, 'validate.steps: expected a whole number >= 1, got "4"'],
    ["a pipeline that is not a list of names", { model, targets: [{ target: "c", pipeline: "cse" }] }, "targets[0].pipeline: expected a list of pass names"],
  ];
  for (const [label, config, message] of cases) {
    it(label, async () => {
      const file = join(dir, `${label.replaceAll(" ", "-")}.json`);
      writeFileSync(file, JSON.stringify(config));
      const r = await cli("build", file, "--out", join(dir, "out"));
      expect(r.stderr).toContain(`ternc: error: ${file}: ${message}`);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.code).toBe(1);
    });
  }
});
