// The compiled-output cache of `ternc run --backend T`: its key changes with any code that can change a build
// (the IR, a pass, a backend, not only the backend's own folder: a stale build was once reused after a pass
// changed), with the model file and with build options, and not with run-only options.
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveOptions } from "../../../backends/common/index.js";
import { codeFingerprint, fingerprintRoots } from "../../../src/targets/fingerprint.js";
import { getTarget } from "../../../src/targets/registry.js";
import { buildCacheKey } from "../../../src/targets/run.js";
import { ROOT } from "../../helpers/cli.js";

describe("the code fingerprint", () => {
  it("covers the IR, the passes, the driver and the backends", () => {
    const roots = fingerprintRoots();
    for (const want of ["ir", "src", "backends"]) expect(roots).toContain(join(ROOT, want));
  });
  it("changes when a pass, the IR or a runtime source changes", () => {
    const tree = mkdtempSync(join(tmpdir(), "ternc-fp-"));
    for (const d of ["ir", "src", "backends"]) cpSync(join(ROOT, d), join(tree, d), { recursive: true });
    const roots = ["ir", "src", "backends"].map((d) => join(tree, d));
    const before = codeFingerprint(roots);
    expect(codeFingerprint(roots)).toBe(before);
    for (const file of ["src/passes/foldScales.ts", "ir/ops/quant.ts", "backends/c/runtime/kernels.c", "backends/c/runtime/ternc_runtime.h", "backends/wgsl/runtime/run-node.mjs", "backends/wgsl/runtime/ternc_webgpu.js"]) {
      const was = codeFingerprint(roots);
      writeFileSync(join(tree, file), "// changed\n", { flag: "a" });
      expect(codeFingerprint(roots), file).not.toBe(was);
    }
  });
});

describe("the build cache key", () => {
  const model = join(ROOT, "examples/tiny-bitnet.gguf");
  const c = getTarget("c");
  const key = (opts: Record<string, string | number | boolean>, fp = "fp") => buildCacheKey(model, c, resolveOptions(c, opts), undefined, fp);
  it("differs with the code fingerprint", () => expect(key({}, "a")).not.toBe(key({}, "b")));
  it("differs with compile and build options, not with run options", () => {
    expect(key({ kernel: "tq1" })).not.toBe(key({}));
    expect(key({ isa: "portable" })).not.toBe(key({}));
    expect(key({ threads: 1 })).toBe(key({ threads: 2 }));
  });
});
