// A model with the exact shape of bitnet-b1.58-2B-4T (2.4B parameters, TQ2_0, ~0.8 GB) is inspected in
// under 300 MB and imported in under its file size plus 300 MB of peak memory: weights stream, never
// the whole file. Generated in a temporary folder, never committed.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadTir } from "../../../ir/index.js";
import { BITNET_2B4T_SHAPE, writeLargeBitnetGguf } from "../../../scripts/lib/largeModel.js";
import { measureTernc } from "../../../scripts/lib/measure.js";
import { ROOT } from "../../helpers/cli.js";

const MiB = 1 << 20;
const SCRIPT = join(ROOT, "dist/scripts/measure-rss.js");

describe("a 2B4T-shaped TQ2_0 GGUF", () => {
  const dir = mkdtempSync(join(tmpdir(), "ternc-large-"));
  const model = join(dir, "bitnet-2b4t-shape.gguf");
  writeLargeBitnetGguf(model, BITNET_2B4T_SHAPE);
  const size = statSync(model).size;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("has the real model's size", () => {
    expect(size).toBeGreaterThan(700 * MiB);
  });
  it("is inspected in under 300 MB of peak memory", () => {
    const m = measureTernc(["inspect", model], SCRIPT);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toContain("layers:        30");
    expect(m.stdout).toContain("heads:         20 (KV heads 5, head dim 128)");
    expect(m.maxRssBytes).toBeLessThan(300 * MiB);
  });
  it("is imported in under the file size plus 300 MB, to IR that parses and verifies", { timeout: 300_000 }, () => {
    const out = join(dir, "model.tir");
    const m = measureTernc(["import", model, "-o", out], SCRIPT);
    expect(m.code, m.stderr).toBe(0);
    expect(m.maxRssBytes).toBeLessThan(size + 300 * MiB);
    const g = loadTir(readFileSync(out, "utf8"), out);
    expect(g.ops().filter((n) => n.op === "bitlinear")).toHaveLength(7 * 30);
    const blob = readdirSync(dir).find((f) => /^model\.[0-9a-f]{16}\.bin$/.test(f));
    expect(statSync(join(dir, blob ?? "model.<hash>.bin")).size).toBeGreaterThan(500 * MiB);
  });
});
