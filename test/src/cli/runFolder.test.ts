// ternc run DIR: a folder ternc compile wrote, run in place with its own target (built first where it is not), as
// each target's compile summary says; the interpreter's tokens, and clear refusals.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, ternc } from "../../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-run-folder-"));
const example = join(ROOT, "examples/tiny-bitnet.gguf");
const greedy = ["--prompt", "the model", "--max-tokens", "4", "--json"];
const sampled = ["--prompt", "the model", "--max-tokens", "4", "--temperature", "30", "--top-p", "1", "--min-p", "0", "--repeat-penalty", "1.5", "--seed", "3", "--json"];

describe("ternc run on a compiled folder", () => {
  const reference = JSON.parse(ternc(["run", example, ...sampled]).stdout);
  const greedyReference = JSON.parse(ternc(["run", example, ...greedy]).stdout);
  it.each(["c", "wgsl", "verilog"])("runs a %s build in place as its compile summary says, with the interpreter's tokens", (target) => {
    const out = join(dir, target);
    const compiled = ternc(["compile", example, "--target", target, "-o", out]);
    expect(compiled.code, compiled.stderr).toBe(0);
    if (target === "verilog") expect(compiled.stdout).toContain(`ternc run ${out} --backend verilog --tokens 1,2,3`);
    // Verilog's fixed-point requantization parts its logits from the interpreter's, so its sampled tokens follow its
    // own graph (validate checks them); its greedy tokens on this model are the interpreter's.
    const args = target === "verilog" ? greedy : sampled;
    const r = ternc(["run", out, ...args]);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout);
    const want = target === "verilog" ? greedyReference : reference;
    expect(got.generated).toEqual(want.generated);
    expect(got.text).toBe(want.text);
    expect(got.backend).toBe(target);
    if (target === "c") expect(existsSync(join(out, "ternc-run"))).toBe(true);
  }, 300_000);
  it("takes the target's run options, refuses its compile and build options and another --backend", () => {
    const out = join(dir, "c");
    const one = ternc(["run", out, "--tokens", "1,2", "--max-tokens", "2", "--threads", "1", "--json"]);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).threads).toBe(1);
    expect(ternc(["run", out, "--tokens", "1", "--isa", "avx2"]).stderr).toBe(`ternc: error: --isa: fixed when ${out} was compiled and built; compile it again to change them\n`);
    expect(ternc(["run", out, "--tokens", "1", "--backend", "wgsl"]).stderr).toBe(`ternc: error: ${out} is a c build: --backend wgsl does not match (leave --backend out)\n`);
    expect(ternc(["run", out, "--tokens", "1", "--logits", join(dir, "l.npy")]).stderr).toContain("--logits: not for a compiled folder");
    expect(ternc(["run", out, "--tokens", "99999"]).stderr).toContain("token id 99999 is outside the vocabulary (303 tokens)");
  });
  it("names a folder whose manifest is not ternc's", () => {
    const bad = join(dir, "bad");
    ternc(["compile", example, "--target", "c", "-o", bad]);
    writeFileSync(join(bad, "manifest.json"), "{}");
    const r = ternc(["run", bad, "--tokens", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ternc: error: ${bad}: not a folder ternc compile wrote (no readable manifest.json)\n`);
  });
});
