// --op-hooks: a compiled model offers the named ops to a hook the program installs (ternc_model_set_op_hook) before
// running their kernels. A hook that declines leaves the model as it was; one that computes an op replaces the
// kernel's results (the same arithmetic gives the same logits, a different one different logits); one that fails
// fails the eval with TERNC_ERR_HOOK naming the op and its reason. Every operand and result is described as the op
// table says, attributes included.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileModel } from "../../../src/targets/compile.js";
import { ROOT } from "../../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-c-op-hooks-"));
const build = join(dir, "model");
const program = join(dir, "op_hook");
const EVALS = 9; // the prompt, then 8 decode steps

function run(mode: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(program, [join(build, "weights.bin"), mode], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const summary = (stdout: string): { tokens: string; rmsnorm: number; products: number; shapes: string; logits: string } => {
  const m = /^tokens:(.*)\nrmsnorm (\d+) products (\d+) shapes (\w+) logits ([0-9a-f]{8})$/m.exec(stdout);
  expect(m, stdout).not.toBeNull();
  return { tokens: m![1]!, rmsnorm: Number(m![2]), products: Number(m![3]), shapes: m![4]!, logits: m![5]! };
};

beforeAll(() => {
  compileModel(join(ROOT, "examples/tiny-bitnet.gguf"), build, { target: "c", options: { opHooks: "rmsnorm,ternary_matmul_packed", kernel: "i2" } });
  const make = spawnSync("make", ["-s", "-C", build, "libternc_model.a", "CFLAGS=-O2 -Wall -Wextra -Werror"], { encoding: "utf8" });
  expect(make.status, make.stderr).toBe(0);
  const cc = spawnSync("cc", ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", `-I${build}`, join(ROOT, "test/fixtures/c/op_hook.c"), join(build, "libternc_model.a"), "-lm", "-pthread", "-o", program], { encoding: "utf8" });
  expect(cc.status, cc.stderr).toBe(0);
}, 120_000);

describe("--op-hooks", () => {
  it("offers each named op with its operands, results and attributes; declining leaves the model as it was", () => {
    const source = readFileSync(join(build, "model.c"), "utf8");
    const offered = (op: string): number => source.split(`const ternc_op_call tc_call = {"${op}", `).length - 1;
    expect(offered("rmsnorm")).toBeGreaterThan(0);
    expect(offered("ternary_matmul_packed")).toBeGreaterThan(0);
    expect(source).toMatch(/\{"rmsnorm", "[^"]+", "\{\\"eps\\":[0-9.e-]+\}", 2, 1, tc_in, tc_out\}/);
    const none = summary(run("none").stdout);
    expect(none).toMatchObject({ rmsnorm: 0, products: 0 });
    const decline = summary(run("decline").stdout);
    expect(decline).toEqual({ ...none, rmsnorm: EVALS * offered("rmsnorm"), products: EVALS * offered("ternary_matmul_packed"), shapes: "ok" });
  });

  it("uses what the hook computes in place of the kernel", () => {
    const none = summary(run("none").stdout);
    expect(summary(run("compute").stdout)).toMatchObject({ tokens: none.tokens, logits: none.logits, shapes: "ok" });
    expect(summary(run("double").stdout).logits).not.toBe(none.logits);
  });

  it("fails the eval when the hook fails, naming the op and the hook's reason", () => {
    const r = run("fail");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^eval failed \(6\): %[\w.]+ \(rmsnorm\): the op hook failed: refused by the test$/m);
  });

  it("refuses ops the C backend does not compile, and those that read the KV cache", () => {
    expect(() => compileModel(join(ROOT, "examples/tiny-bitnet.gguf"), join(dir, "bad"), { target: "c", options: { opHooks: "rmsnorm,warp" } })).toThrow(/--op-hooks: 'warp': not an op the C backend compiles \(embedding, rmsnorm, /);
    expect(() => compileModel(join(ROOT, "examples/tiny-bitnet.gguf"), join(dir, "bad"), { target: "c", options: { opHooks: "attention" } })).toThrow(/--op-hooks: 'attention': reads the KV cache/);
  });
});
