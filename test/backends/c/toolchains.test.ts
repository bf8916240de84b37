// The C output under other toolchains: NEON kernels cross-compiled for AArch64 and run under qemu-user, clang
// with warnings as errors, and AddressSanitizer + UndefinedBehaviorSanitizer.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateC } from "../../../src/targets/validateC.js";
import { ROOT } from "../../helpers/cli.js";
import { ODD_2B4T, ODD_LLAMA, writeTirModel } from "../../helpers/cModels.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-c-toolchains-"));
const example = join(ROOT, "examples/tiny-bitnet.gguf");
const odd2b4t = writeTirModel(dir, "odd-2b4t", ODD_2B4T, 11);
const oddLlama = writeTirModel(dir, "odd-llama", ODD_LLAMA, 12, { tiedHead: false });

const ok = (r: ReturnType<typeof validateC>): void => {
  expect(r.firstMismatch).toBeUndefined();
  expect(r.tokens.c).toEqual(r.tokens.interpreter);
  expect(r.ok).toBe(true);
};

describe("NEON (aarch64-linux-gnu-gcc, qemu-aarch64)", () => {
  it("dot-product kernels: i2 and tq1 on the example, lut on odd LLaMA shapes", () => {
    for (const [model, kernel] of [[example, "i2"], [example, "tq1"], [oddLlama, "lut"]] as const) {
      const r = validateC(model, { kernel, isa: "neon", threads: 2, steps: 32, promptLength: 5 });
      expect(r.isa).toBe("neon-dotprod");
      ok(r);
    }
  });
  it("without the dot-product extension: i2 and tq1 on odd 2B4T shapes", () => {
    for (const kernel of ["i2", "tq1"] as const) {
      const r = validateC(odd2b4t, { kernel, isa: "neon-nodot", threads: 1, steps: 32, promptLength: 5 });
      expect(r.isa).toBe("neon");
      ok(r);
    }
  });
});

describe("clang", () => {
  it("builds warning-free (-Wall -Wextra -Werror) and validates", () => ok(validateC(example, { kernel: "auto", isa: "native", cc: "clang", threads: 2, steps: 32 })));
});

describe("sanitizers", () => {
  it("runs clean under AddressSanitizer and UndefinedBehaviorSanitizer (both threads, every kernel family)", () => {
    const cflags = "-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror";
    for (const kernel of ["i2", "tq1", "lut"] as const) ok(validateC(oddLlama, { kernel, isa: "native", threads: 2, steps: 8, promptLength: 6, cflags, ldflags: "-fsanitize=address,undefined" }));
  });
});
