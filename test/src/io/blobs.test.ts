// Constants in an external blob: read by offset relative to the IR file, with clear errors, and only from the IR
// file's folder (or one the user allows): a .tir must not make ternc read files elsewhere.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tensorFromValues, tensorToBytes } from "../../../ir/index.js";
import { cli, ROOT } from "../../helpers/cli.js";

function model(dir: string, blobBytes: Uint8Array, blobName = "weights.bin"): string {
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
  const %s : f32[] = blob<${JSON.stringify(blobName)}, offset = 16>
  const %w : ternary[2, 4] = blob<${JSON.stringify(blobName)}, offset = 20>
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
    expect(r).toMatchObject({ code: 1, stderr: `ternc: error: ${file}: constant %w: cannot open weight blob '${join(dir, "weights.bin")}'\n` });
  });
  it("a blob too short for a constant is a user error naming the file and range", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ternc-blob-"));
    const file = model(dir, new Uint8Array(18));
    const r = await cli("run", file, "-i", "x=[[1,2,3,4]]");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ternc: error: ${file}: constant %w needs bytes 20..22 of weight blob '${join(dir, "weights.bin")}', which has 18\n`);
  });

  it("a ternary weight whose blob holds the 2-bit code 3 (no trit) is refused, naming the element", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ternc-blob-"));
    const file = model(dir, new Uint8Array());
    const bytes = readFileSync(join(dir, "weights.bin"));
    bytes[21] = 0b00001100; // elements 4..7 of %w: element 5 gets code 3
    writeFileSync(join(dir, "weights.bin"), bytes);
    const r = await cli("run", file, "-i", "x=[[1,2,3,4]]");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('constant %w: element 5 in blob "weights.bin" (offset 20) has the 2-bit code 3, which is not a trit');
  });

  it("a dense<> splat too large for the text is refused before it is allocated", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ternc-blob-"));
    const file = join(dir, "splat.tir");
    writeFileSync(file, "graph @g {\n  input %x : f32[1]\n  const %c : f32[300000000] = dense<1.0>\n  output %c\n}\n");
    const r = await cli("check", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("splat.tir:3:");
    expect(r.stderr).toContain("dense<...> repeats one value 300000000 times (at most 16777216");
  });

  it("a dense<> list of two million numbers (18 MB of text) parses within a 64 MB JavaScript heap", () => {
    const dir = mkdtempSync(join(tmpdir(), "ternc-blob-"));
    const file = join(dir, "big.tir");
    const n = 2_000_000;
    const values = Array.from({ length: n }, (_, i) => ((i % 1000) / 7).toFixed(4)).join(", ");
    writeFileSync(file, `graph @g {\n  input %x : f32[${n}]\n  const %c : f32[${n}] = dense<[${values}]>\n  %y = add(%x, %c)\n  output %y\n}\n`);
    // Each number used to become a lexer token and an AST object: 1.4 GB for this file.
    const r = spawnSync(process.execPath, ["--max-old-space-size=64", `${ROOT}/dist/src/cli/main.js`, "check", file], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("a trits<> constant whose shape its rows do not fill is refused before allocation (found by the fuzzer)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ternc-blob-"));
    const file = join(dir, "wide.tir");
    writeFileSync(file, 'graph @g {\n  input %x : f32[1]\n  const %w : ternary[2, 4294967296] = trits<"+-", "0+">\n  output %w\n}\n');
    const r = await cli("check", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("wide.tir:3:");
    expect(r.stderr).toContain("row 0 has 2 trits, expected 4294967296");
  });

  describe("a blob may only be a regular file in the IR file's folder", () => {
    const root = mkdtempSync(join(tmpdir(), "ternc-blob-jail-"));
    const home = join(root, "model");
    const elsewhere = join(root, "elsewhere");
    mkdirSync(home);
    mkdirSync(elsewhere);
    // A valid blob outside the model's folder: reading it would give a result.
    const good = model(home, new Uint8Array());
    copyFileSync(join(home, "weights.bin"), join(elsewhere, "weights.bin"));
    const escape = (name: string, blob: string): string => {
      const file = join(home, name);
      writeFileSync(file, readFileSync(good, "utf8").replaceAll('"weights.bin"', JSON.stringify(blob)));
      return file;
    };
    const refused = async (file: string, message: string, ...more: string[]): Promise<void> => {
      for (const command of [["run", file, "-i", "x=[[1,2,3,4]]"], ["stats", file]]) {
        const r = await cli(...command, ...more);
        expect(r.stderr).toContain(message);
        expect(r.stderr.startsWith(`ternc: error: ${file}: constant %`)).toBe(true);
        expect(r.code).toBe(1);
        expect(r.stdout).toBe("");
      }
    };
    it("../ out of the folder", () => refused(escape("up.tir", "../elsewhere/weights.bin"), `weight blob '../elsewhere/weights.bin' is outside ${home}`));
    it("an absolute path", () => refused(escape("abs.tir", "/etc/passwd"), "weight blob '/etc/passwd' is outside"));
    it("a symbolic link out of the folder", () => {
      symlinkSync(join(elsewhere, "weights.bin"), join(home, "link.bin"));
      return refused(escape("link.tir", "link.bin"), "weight blob 'link.bin' is outside");
    });
    it("a folder or a FIFO (which would block the read)", async () => {
      mkdirSync(join(home, "sub.bin"));
      await refused(escape("dir.tir", "sub.bin"), `weight blob '${join(home, "sub.bin")}' is not a regular file`);
      execFileSync("mkfifo", [join(home, "fifo.bin")]);
      await refused(escape("fifo.tir", "fifo.bin"), `weight blob '${join(home, "fifo.bin")}' is not a regular file`);
    });
    it("a link inside the folder is followed; --allow-blob-path DIR lets a .tir read from DIR", async () => {
      symlinkSync(join(home, "weights.bin"), join(home, "alias.bin"));
      expect((await cli("run", escape("alias.tir", "alias.bin"), "-i", "x=[[1,2,3,4]]")).code).toBe(0);
      const up = escape("allowed.tir", "../elsewhere/weights.bin");
      const r = await cli("run", up, "-i", "x=[[1,2,3,4]]", "--allow-blob-path", elsewhere);
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout).outputs.y.data).toEqual([-1, 4.5]);
      // Another folder allowed does not open this one.
      await refused(up, "is outside", "--allow-blob-path", join(root, "model"));
    });
  });
});
