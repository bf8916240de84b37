// Golden IR tests in the manner of LLVM's lit + FileCheck: each file in golden/ names its passes on a
// `// RUN: passes=...` line and the expected output as CHECK lines; the test runs the passes and matches.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ConstDecl, loadTir, printGraph, type Tensor } from "../../../ir/index.js";
import { runPipeline, splitPipeline } from "../../../src/passes/manager.js";
import { fileCheck, parseChecks } from "../../helpers/filecheck.js";

const DIR = join(import.meta.dirname, "golden");
const loadConst = (c: ConstDecl): Tensor => {
  if (c.data.kind !== "inline") throw new Error("golden tests use inline constants");
  return c.data.tensor;
};

describe("golden pass tests", () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith(".tir"))) {
    it(file, () => {
      const text = readFileSync(join(DIR, file), "utf8");
      const run = /\/\/\s*RUN:\s*passes=(\S+)/.exec(text);
      expect(run, `${file} needs a '// RUN: passes=a,b' line`).not.toBeNull();
      const checks = parseChecks(text);
      expect(checks.length, `${file} has no CHECK lines`).toBeGreaterThan(0);
      const graph = loadTir(text, file);
      runPipeline(graph, splitPipeline(run![1]!), { loadConst }, { verifyEach: true });
      const failure = fileCheck(printGraph(graph), checks);
      expect(failure, `${file}\n${printGraph(graph)}`).toBeUndefined();
    });
  }
});

describe("the FileCheck matcher itself", () => {
  const out = "a = add(x, y)\nb = mul(a, a)\nc = silu(b)\n";
  it("matches in order, NEXT on the next line, NOT between matches, {{regex}}", () => {
    expect(fileCheck(out, parseChecks("// CHECK: add(\n// CHECK-NEXT: mul({{[a-z]}}, a)\n// CHECK-NOT: relu\n// CHECK: silu"))).toBeUndefined();
  });
  it("fails on a missing line, a wrong NEXT, a forbidden pattern and a wrong order", () => {
    expect(fileCheck(out, parseChecks("// CHECK: relu"))).toContain("not found");
    expect(fileCheck(out, parseChecks("// CHECK: add(\n// CHECK-NEXT: silu"))).toContain("CHECK-NEXT");
    expect(fileCheck(out, parseChecks("// CHECK: add(\n// CHECK-NOT: mul\n// CHECK: silu"))).toContain("CHECK-NOT");
    expect(fileCheck(out, parseChecks("// CHECK: silu\n// CHECK: add("))).toContain("not found");
  });
});
