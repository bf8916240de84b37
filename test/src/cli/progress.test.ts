// Progress on stderr (a line rewritten on a terminal; lines now and then into a log with --progress; none otherwise)
// and generated tokens streamed as they come.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/program.js";
import { progressFor } from "../../../src/cli/progress.js";
import { ROOT } from "../../helpers/cli.js";

const GGUF = join(ROOT, "examples/tiny-bitnet.gguf");

function capture(terminal: boolean): { io: { stdout: (t: string) => void; stderr: (t: string) => void; stderrIsTerminal: boolean }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stderrIsTerminal: terminal }, out, err };
}

describe("progress", () => {
  it("shows on a terminal by default, into a log only with --progress, and never with --no-progress", () => {
    expect(progressFor(capture(false).io, "x", undefined)).toBeUndefined();
    expect(progressFor(capture(true).io, "x", false)).toBeUndefined();
    const tty = capture(true);
    const p = progressFor(tty.io, "import", undefined)!;
    p.update("1/3");
    p.update("2/3");
    p.end();
    expect(tty.err).toEqual(["\r\x1b[Kimport: 1/3", "\r\x1b[Kimport: 2/3", "\r\x1b[K"]);
    const log = capture(false);
    const q = progressFor(log.io, "import", true)!;
    q.update("1/3");
    q.update("2/3"); // within a second of the first: left out of a log
    q.update("3/3", true);
    q.end();
    expect(log.err).toEqual(["import: 1/3\n", "import: 3/3\n"]);
  });

  it("import --progress counts the constants written, to the last", async () => {
    const c = capture(false);
    expect(await runCli(["import", GGUF, "-o", join(mkdtempSync(join(tmpdir(), "ternc-progress-")), "m.tir"), "--progress"], c.io)).toBe(0);
    expect(c.err[0]).toMatch(/^import: writing the weights: 1\/38 constants, /);
    expect(c.err.at(-1)).toMatch(/^import: writing the weights: 38\/38 constants, 451\.4 KiB\n$/);
  });

  it("compile and validate report their stages; a terminal gets them by default and --no-progress silences them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ternc-progress-"));
    const c = capture(true);
    expect(await runCli(["compile", GGUF, "-o", join(dir, "c")], c.io)).toBe(0);
    expect(c.err[0]).toBe(`\r\x1b[Kcompile: reading ${GGUF}`);
    expect(c.err.some((e) => /compile: pass \d+\/\d+: /.test(e))).toBe(true);
    expect(c.err.at(-1)).toBe("\r\x1b[K");
    const quiet = capture(true);
    expect(await runCli(["validate", GGUF, "--steps", "2", "--no-progress"], quiet.io)).toBe(0);
    expect(quiet.err.join("")).toBe("");
  });

  it("run prints each generated token as it comes", async () => {
    const c = capture(false);
    expect(await runCli(["run", GGUF, "--tokens", "1,2,3", "--max-tokens", "4"], c.io)).toBe(0);
    expect(c.out[0]).toBe("prompt:    1 2 3\ngenerated:");
    // One write a token, then the end of the line.
    expect(c.out.slice(1, 5).every((t) => /^ \d+$/.test(t))).toBe(true);
    expect(c.out[5]).toBe("\n");
    expect(c.out.join("")).toMatch(/^prompt: {4}1 2 3\ngenerated:( \d+){4}\ntext: {6}".*"\n$/);
  });
});
