// Constants in an external blob: read by offset relative to the IR file, with clear errors.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tensorFromValues, tensorToBytes } from "../../../ir/index.js";
import { cli } from "../../helpers/cli.js";

function model(dir: string, blobBytes: Uint8Array): string {
  const w = tensorToBytes(tensorFromValues("ternary", [2, 4], [1, 0, -1, 0, 0, 1, 1, 1]));
  const s = tensorToBytes(tensorFromValues("f32", [], [0.5]));
  const bytes = new Uint8Array(16 + w.length + s.length);
  bytes.set(s, 16);
  bytes.set(w, 20);
  writeFileSync(join(dir, "weights.bin"), blobBytes.length ? blobBytes : bytes);
  const file = join(dir, "m.tir");
  writeFileSync(
    file,
    `graph @m {
  input %x : f32[T, 4]
  const %s : f32[] = blob<"weights.bin", offset = 16>
  const %w : ternary[2, 4] = blob<"weights.bin", offset = 20>
  %y = bitlinear(%x, %w, %s) {act_quant = "none"}
  output %y
}
`,
  );
  return file;
}

describe("external weight blobs", () => {
  it("loads constants by offset, relative to the IR file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ternc-blob-"));
    const r = await cli("run", model(dir, new Uint8Array()), "-i", "x=[[1,2,3,4]]");
    expect(r.stderr).toBe("");
    // rows "+0-0" and "0+++": (1 - 3) * 0.5 = -1 and (2 + 3 + 4) * 0.5 = 4.5
    expect(JSON.parse(r.stdout).outputs.y.data).toEqual([-1, 4.5]);
  });
  it("a missing blob is a user error naming the constant", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ternc-blob-"));
    const file = model(dir, new Uint8Array());
    rmSync(join(dir, "weights.bin"));
    const r = await cli("run", file, "-i", "x=[[1,2,3,4]]");
    expect(r).toMatchObject({ code: 1, stderr: `ternc: error: constant %w: cannot open weight blob '${join(dir, "weights.bin")}'\n` });
  });
  it("a blob too short for a constant is a user error naming the file and range", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ternc-blob-"));
    const r = await cli("run", model(dir, new Uint8Array(18)), "-i", "x=[[1,2,3,4]]");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ternc: error: constant %w needs bytes 20..22 of weight blob '${join(dir, "weights.bin")}', which has 18\n`);
  });
});
