// The runtime object cache: a build reuses the objects another build made with the same compiler, ISA, flags and
// bytes, never ones made with other flags, and a folder rebuilt with other flags does not keep its old objects.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cTarget } from "../../../backends/c/index.js";
import { RUNTIME_SOURCES } from "../../../backends/c/artifacts.js";
import { resolveOptions } from "../../../backends/common/index.js";
import { compileModel } from "../../../src/targets/compile.js";
import { ROOT } from "../../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-c-objects-"));
const saved = process.env.TERNC_CACHE_DIR;
const cache = join(dir, "cache", "objects");
beforeAll(() => {
  process.env.TERNC_CACHE_DIR = join(dir, "cache");
});
afterAll(() => {
  if (saved === undefined) delete process.env.TERNC_CACHE_DIR;
  else process.env.TERNC_CACHE_DIR = saved;
});

const build = (out: string, cflags?: string): void => cTarget.build!(out, resolveOptions(cTarget, cflags ? { cflags } : {}), "check");
const objects = (out: string): Map<string, string> => new Map(RUNTIME_SOURCES.map((s) => [s, readFileSync(join(out, s.replace(/\.c$/, ".o"))).toString("base64")]));
const cached = (): Set<string> => new Set(readdirSync(cache).map((f) => readFileSync(join(cache, f)).toString("base64")));

it("reuses objects across builds with the same flags, never across flags, and drops a folder's stale objects", { timeout: 180_000 }, () => {
  const a = join(dir, "a");
  const b = join(dir, "b");
  compileModel(join(ROOT, "examples/tiny-bitnet.gguf"), a, { target: "c" });
  compileModel(join(ROOT, "examples/tiny-bitnet.gguf"), b, { target: "c", options: { kernel: "tq1" } });
  build(a);
  expect(readdirSync(cache)).toHaveLength(RUNTIME_SOURCES.length);
  // Another model, the same runtime and flags: its runtime objects come from the cache.
  build(b);
  expect(readdirSync(cache)).toHaveLength(RUNTIME_SOURCES.length);
  for (const o of objects(b).values()) expect(cached().has(o)).toBe(true);
  const model = (): string => readFileSync(join(b, "model.o")).toString("base64");
  const modelO3 = model();
  // Other flags: new objects, built for them.
  build(b, "-O1");
  expect(readdirSync(cache)).toHaveLength(2 * RUNTIME_SOURCES.length);
  const o1 = objects(b);
  // The folder rebuilt with the first flags again gets those objects back, not the -O1 ones it held.
  build(b);
  const o3 = objects(b);
  // (The ISA files without a body on this machine compile alike at any -O.)
  expect(RUNTIME_SOURCES.filter((s) => o3.get(s) !== o1.get(s)).length).toBeGreaterThanOrEqual(4);
  expect(objects(a)).toEqual(o3);
  // model.c is compiled for each build: the -O1 object make would have kept (newer than its source) is gone.
  expect(model()).toBe(modelO3);
});
