// The runtime files generated from ternc's TypeScript are current: the WebGPU runtime's ternc_sampler.js is
// ir/sampling.ts compiled (npm run generate), so a change to the reference sampler that is not regenerated fails here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { generatedRuntimeFiles } from "../../scripts/generateRuntime.js";
import { ROOT } from "../helpers/cli.js";

it("the committed generated runtime files are what npm run generate writes", () => {
  const files = generatedRuntimeFiles();
  expect(Object.keys(files)).toEqual(["backends/wgsl/runtime/ternc_sampler.js", "backends/wgsl/runtime/ternc_sampler.d.ts"]);
  for (const [path, text] of Object.entries(files)) expect(readFileSync(join(ROOT, path), "utf8"), `${path} is stale: run npm run generate`).toBe(text);
  // Plain JavaScript that imports nothing: it runs in a browser as it is.
  expect(files["backends/wgsl/runtime/ternc_sampler.js"]).not.toMatch(/^import |: number|readonly /m);
});
