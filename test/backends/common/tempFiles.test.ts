// What killed runs leave beside an output, and how the next run clears it: removed when its process is gone,
// an output moved aside put back when the output itself is missing, a running process's temporaries left alone.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clearStaleTemps, tempPathFor } from "../../../backends/common/index.js";

/** The id of a process that has ended. */
function deadPid(): number {
  return spawnSync("true").pid!;
}

describe("stale temporaries", () => {
  it("are hidden siblings named by kind and process", () => {
    expect(tempPathFor("/a/b/out")).toBe(`/a/b/.out.tmp-${process.pid}`);
    expect(tempPathFor("/a/b/out", "old")).toBe(`/a/b/.out.old-${process.pid}`);
  });

  it("of ended processes are removed; a running process's are kept; other names are never touched", () => {
    const dir = mkdtempSync(join(tmpdir(), "ternc-temps-"));
    const out = join(dir, "model.tir");
    writeFileSync(out, "current");
    const dead = deadPid();
    writeFileSync(join(dir, `.model.tir.tmp-${dead}`), "half");
    mkdirSync(join(dir, `.model.tir.old-${dead}`));
    writeFileSync(join(dir, `.model.tir.tmp-${process.ppid}`), "another ternc at work");
    writeFileSync(join(dir, `.model.tir.tmp-x${dead}`), "not ours");
    writeFileSync(join(dir, `.other.tir.tmp-${dead}`), "another output's");
    expect(clearStaleTemps(out).sort()).toEqual([`.model.tir.old-${dead}`, `.model.tir.tmp-${dead}`]);
    expect(readdirSync(dir).sort()).toEqual([`.model.tir.tmp-${process.ppid}`, `.model.tir.tmp-x${dead}`, `.other.tir.tmp-${dead}`, "model.tir"]);
    expect(readFileSync(out, "utf8")).toBe("current");
  });

  it("put an output moved aside back when a kill came before the new one took its place", () => {
    const dir = mkdtempSync(join(tmpdir(), "ternc-temps-"));
    const out = join(dir, "build");
    const dead = deadPid();
    mkdirSync(join(dir, `.build.old-${dead}`));
    writeFileSync(join(dir, `.build.old-${dead}`, "manifest.json"), "{}");
    mkdirSync(join(dir, `.build.tmp-${dead}`));
    clearStaleTemps(out);
    expect(readdirSync(dir)).toEqual(["build"]);
    expect(existsSync(join(out, "manifest.json"))).toBe(true);
  });
});
