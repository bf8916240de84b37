// The C runtime's thread pool under ThreadSanitizer: thousands of ops with odd totals and grains on pools of 2 to 4
// threads, each item run exactly once, and no data race reported (late workers read an op's slot while the caller
// refills it; those reads are atomic).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { RUNTIME_HEADERS } from "../../../backends/c/artifacts.js";
import { configHeader } from "../../../backends/c/config.js";

const runtime = join(import.meta.dirname, "../../../backends/c/runtime");
const dir = mkdtempSync(join(tmpdir(), "ternc-c-pool-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("every item runs once and ThreadSanitizer finds no race", () => {
  for (const f of [...RUNTIME_HEADERS, "pool.c"]) copyFileSync(join(runtime, f), join(dir, f));
  writeFileSync(join(dir, "ternc_config.h"), configHeader());
  copyFileSync(join(import.meta.dirname, "../../fixtures/c/pool_stress.c"), join(dir, "pool_stress.c"));
  const cc = spawnSync("gcc", ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O1", "-g", "-fsanitize=thread", "-pthread", "pool_stress.c", "pool.c", "-o", "pool_stress"], { cwd: dir, encoding: "utf8" });
  expect(cc.status, cc.stderr).toBe(0);
  const run = spawnSync(join(dir, "pool_stress"), { encoding: "utf8", env: { ...process.env, TSAN_OPTIONS: "halt_on_error=1" } });
  expect(run.stderr).not.toContain("ThreadSanitizer");
  expect(run.stdout.trim()).toBe("ok");
  expect(run.status).toBe(0);
});
