// Every registered target has its single-op suite (test/backends/<target>/singleOp.test.ts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { targetNames } from "../../src/targets/registry.js";

it("every target runs the single-op suite", () => {
  expect(targetNames().filter((t) => !existsSync(join(import.meta.dirname, t, "singleOp.test.ts")))).toEqual([]);
});
