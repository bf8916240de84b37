// The corrupt-file corpus (scripts/corpus/cases.ts): every hand-built hostile input ends with exit 1 and a message
// naming its file, the place and the problem; generated afresh from the bundled examples for each run.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CorpusCase, writeCorpus } from "../../scripts/corpus/cases.js";
import { cli, ternc } from "../helpers/cli.js";

const cases: CorpusCase[] = writeCorpus(mkdtempSync(join(tmpdir(), "ternc-corpus-")));

describe("the corrupt-file corpus", () => {
  it("holds at least 60 cases across GGUF, Hugging Face folders, .tir and .npy, each named once", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    for (const format of ["gguf", "hf", "tir", "npy"] as const) expect(cases.filter((c) => c.format === format).length, format).toBeGreaterThanOrEqual(10);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  for (const c of cases) {
    it(`${c.id}: ${c.what}`, async () => {
      const r = await cli(...c.argv);
      for (const e of c.expect) expect(r.stderr).toContain(e);
      expect(r.stderr).not.toContain("internal error");
      expect(r.code).toBe(1);
    });
  }

  it("through the real executable: one message, no stack trace", () => {
    for (const format of ["gguf", "hf", "tir", "npy"] as const) {
      const c = cases.find((x) => x.format === format)!;
      const r = ternc(c.argv);
      expect(r.code, c.id).toBe(1);
      expect(r.stderr.trim().split("\n"), c.id).toHaveLength(1);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });
});
