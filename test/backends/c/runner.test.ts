// ternc-run, the runner a C build carries: --help, and --profile's decode time by op kind.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cTarget } from "../../../backends/c/index.js";
import { resolveOptions } from "../../../backends/common/index.js";
import { compileModel } from "../../../src/targets/compile.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-c-runner-"));
const runner = join(dir, "ternc-run");
beforeAll(() => {
  compileModel(join(import.meta.dirname, "../../../examples/tiny-bitnet.gguf"), dir, { target: "c" });
  cTarget.build!(dir, resolveOptions(cTarget, {}), "release");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("--help prints the usage on stdout and exits 0", () => {
  const r = spawnSync(runner, ["--help"], { encoding: "utf8" });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^usage: ternc-run --tokens 1,2,3 .*--profile/);
  expect(r.stderr).toBe("");
});

it("--profile times every op kind of the decode steps", () => {
  const r = spawnSync(runner, ["--weights", join(dir, "weights.bin"), "--tokens", "1,2,3", "--max-tokens", "9", "--json", "--profile"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { decodeSeconds: number; profile: Record<string, number> };
  const kinds = Object.keys(out.profile);
  for (const op of ["embedding", "rmsnorm", "act_quant", "ternary_matmul_packed", "attention", "matmul"]) expect(kinds).toContain(op);
  const total = Object.values(out.profile).reduce((a, s) => a + s, 0);
  expect(out.profile.ternary_matmul_packed).toBeGreaterThan(0);
  // The ops' wall times fit inside the decode time they were measured in.
  expect(total).toBeLessThanOrEqual(out.decodeSeconds * 1.001 + 1e-6);
  expect(total).toBeGreaterThan(0.3 * out.decodeSeconds);
});
