// The README stays true: its IR sample runs as described, and CI runs the README's test command.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interpret, parseTir, tensorFromValues, toNumbers, verifyOrThrow } from "../ir/index.js";
import { targetNames } from "../src/targets/registry.js";
import { ROOT } from "./helpers/cli.js";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

describe("README", () => {
  it("the .tir sample verifies, and its L0 and L1 forms agree bit for bit", () => {
    const sample = /```\n(\/\/ A BitLinear layer[\s\S]*?)```/.exec(readme)![1]!;
    const graph = parseTir(sample, "README.md");
    verifyOrThrow(graph);
    // The blob constant is unused by the outputs the sample computes, so no blob file is needed.
    graph.setOutputs(graph.outputs.filter((o) => o.name !== "v"));
    const out = interpret(graph, { x: tensorFromValues("f32", [2, 8], [1, 2, 3, 4, 5, 6, 7, -8, 0.5, 0, 0, 0, 0, 0, 0, 1]) });
    expect(toNumbers(out.z!)).toEqual(toNumbers(out.y!));
  });
  it("names the two newcomer commands, and .ci/run runs exactly the test command", () => {
    const quick = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("## The command line"));
    expect(quick).toContain("npm ci && npm run example");
    expect(quick).toContain("npm ci && npm test");
    // The main job's table as `npm run example` prints it (scripts/example.ts), one row per target and the reference.
    expect(quick).toContain("| target | files | size | validation | decode tokens/s | ran on | generated text | build |");
    for (const row of ["interpreter", ...targetNames()]) expect(quick).toMatch(new RegExp(`^\\| ${row} \\|`, "m"));
    // Links and paths name only files in the repository.
    expect(readme).not.toContain("../shared");
    const ci = readFileSync(join(ROOT, ".ci/run"), "utf8");
    expect(ci.trim().split("\n").pop()).toBe("npm ci && npm test");
  });
});
