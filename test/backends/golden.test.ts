// Golden tests of generated code: each file in golden/ names its target and passes on a `// RUN: target=T
// passes=a,b` line (passes default to plan-memory alone) and the expected code as CHECK lines, matched against the
// target's main generated source (FileCheck style, as the pass goldens).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { abiOf, type ConstDecl, constTensor, loadTir } from "../../ir/index.js";
import { resolveOptions } from "../../backends/common/index.js";
import { parsePipelineEntry, splitPipeline } from "../../src/passes/manager.js";
import { lowerForTarget } from "../../src/targets/lower.js";
import { getTarget } from "../../src/targets/registry.js";
import { fileCheck, parseChecks } from "../helpers/filecheck.js";

const DIR = join(import.meta.dirname, "golden");
/** The generated source each target's goldens are matched against. */
const MAIN_SOURCE: Record<string, string> = { c: "model.c" };

describe("golden generated-code tests", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".tir"));
  it("has goldens", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(file, () => {
      const text = readFileSync(join(DIR, file), "utf8");
      const run = /\/\/\s*RUN:\s*target=(\S+)(?:\s+passes=(\S+))?/.exec(text);
      expect(run, `${file} needs a '// RUN: target=T [passes=a,b]' line`).not.toBeNull();
      const target = getTarget(run![1]!);
      const checks = parseChecks(text);
      expect(checks.length, `${file} has no CHECK lines`).toBeGreaterThan(0);
      const graph = loadTir(text, file);
      const loadConst = (c: ConstDecl) => constTensor(c, undefined);
      const options = resolveOptions(target, {});
      const pipeline = splitPipeline(run![2] ?? "plan-memory").map((e) => {
        const { name, options: o } = parsePipelineEntry(e);
        return { pass: name, options: o };
      });
      lowerForTarget(graph, target, options, loadConst, pipeline);
      const dir = mkdtempSync(join(tmpdir(), "ternc-golden-"));
      try {
        target.emit(graph, dir, { abi: abiOf(graph), loadConst, options, banner: file, defaultContext: 16 });
        const code = readFileSync(join(dir, MAIN_SOURCE[target.name]!), "utf8");
        const failure = fileCheck(code, checks);
        expect(failure, `${file}\n${code.slice(code.indexOf("#include"))}`).toBeUndefined();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
