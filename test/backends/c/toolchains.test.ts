// The C output under other toolchains: NEON kernels cross-compiled for AArch64 and run under qemu-user, the
// x86 kernel sets one by one, clang with warnings as errors, AddressSanitizer + UndefinedBehaviorSanitizer, and
// the runner's two ways of loading weights.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cTarget } from "../../../backends/c/index.js";
import { resolveOptions } from "../../../backends/common/index.js";
import { compileModel } from "../../../src/targets/compile.js";
import { ROOT } from "../../helpers/cli.js";
import { ODD_2B4T, ODD_LLAMA, writeGgufModel, writeTirModel, validateOnC } from "../../helpers/cModels.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-c-toolchains-"));
const example = join(ROOT, "examples/tiny-bitnet.gguf");
const odd2b4t = writeTirModel(dir, "odd-2b4t", ODD_2B4T, 11);
const oddLlama = writeTirModel(dir, "odd-llama", ODD_LLAMA, 12, { tiedHead: false });

const ok = (r: Awaited<ReturnType<typeof validateOnC>>): void => {
  expect(r.firstMismatch).toBeUndefined();
  expect(r.tokens.compiled).toEqual(r.tokens.interpreter);
  expect(r.ok).toBe(true);
};

describe("NEON (aarch64-linux-gnu-gcc, qemu-aarch64)", () => {
  it("dot-product kernels: i2 and tq1 on the example, lut on odd LLaMA shapes", async () => {
    for (const [model, kernel] of [[example, "i2"], [example, "tq1"], [oddLlama, "lut"]] as const) {
      const r = await validateOnC(model, { kernel, isa: "neon", threads: 2, steps: 32, promptLength: 5 });
      expect(r.facts.isa).toBe("neon-dotprod");
      ok(r);
    }
  });
  it("a Q6_K tied embedding and head (codes and multipliers in 16-row records)", async () => {
    const r = await validateOnC(writeGgufModel(dir, "q6k", 15, { embeddingType: "Q6_K", tiedHead: true }), { kernel: "i2", isa: "neon", threads: 2, steps: 32, promptLength: 5 });
    ok(r);
  });
  it("without the dot-product extension: i2 and tq1 on odd 2B4T shapes", async () => {
    for (const kernel of ["i2", "tq1"] as const) {
      const r = await validateOnC(odd2b4t, { kernel, isa: "neon-nodot", threads: 1, steps: 32, promptLength: 5 });
      expect(r.facts.isa).toBe("neon");
      ok(r);
    }
  });
});

// AVX-512 code can be built anywhere but only run on a CPU that has it (no emulator runs it): where this CPU
// lacks it, the test still builds that code with warnings as errors and says so in its name.
const cpuFlags = new Set((process.arch === "x64" ? readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:(.*)$/m)?.[1] ?? "" : "").trim().split(/\s+/));
const hasAvx512Vnni = ["avx512f", "avx512bw", "avx512vl", "avx512_vnni"].every((f) => cpuFlags.has(f));

describe.runIf(process.arch === "x64")("x86 kernel sets", () => {
  it("AVX2 without AVX-512: i2 on odd LLaMA shapes (2 threads), auto on the example (1 thread)", async () => {
    for (const [model, kernel, threads] of [[oddLlama, "i2", 2], [example, "auto", 1]] as const) {
      const r = await validateOnC(model, { kernel, isa: "avx2", threads, steps: 32, promptLength: 6 });
      expect(r.facts.isa).toBe("avx2");
      ok(r);
    }
  });
  it(`AVX-512 VNNI: i2 on odd 2B4T and odd LLaMA shapes${hasAvx512Vnni ? "" : " (built only: this CPU lacks AVX-512 VNNI)"}`, async () => {
    if (!hasAvx512Vnni) {
      const out = join(dir, "avx512");
      compileModel(oddLlama, out, { target: "c", options: { kernel: "i2" } });
      cTarget.build!(out, resolveOptions(cTarget, { isa: "avx512" }), "check");
      expect(cTarget.isBuilt(out)).toBe(true);
      return;
    }
    for (const model of [odd2b4t, oddLlama]) {
      const r = await validateOnC(model, { kernel: "i2", isa: "avx512", threads: 2, steps: 32, promptLength: 6 });
      expect(r.facts.isa).toBe("avx512-vnni");
      ok(r);
    }
  });
});

describe("loading the weights", () => {
  it("mapped (--mmap) and read into memory give the same tokens", async () => {
    const out = join(dir, "load");
    compileModel(example, out, { target: "c" });
    cTarget.build!(out, resolveOptions(cTarget, {}), "release");
    const run = (mmap: boolean) => cTarget.runModel(out, { tokens: [1, 2, 3], maxTokens: 12 }, resolveOptions(cTarget, { threads: 2, mmap }));
    const mapped = await run(true);
    expect(mapped.generated).toHaveLength(12);
    expect((await run(false)).generated).toEqual(mapped.generated);
  });
});

describe("clang", () => {
  it("builds warning-free (-Wall -Wextra -Werror) and validates", async () => ok(await validateOnC(example, { kernel: "auto", isa: "native", cc: "clang", threads: 2, steps: 32 })));
});

describe("sanitizers", () => {
  it("runs clean under AddressSanitizer and UndefinedBehaviorSanitizer (both threads, every kernel family)", async () => {
    const cflags = "-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror";
    for (const kernel of ["i2", "tq1", "lut"] as const) ok(await validateOnC(oddLlama, { kernel, isa: "native", threads: 2, steps: 8, promptLength: 6, cflags, ldflags: "-fsanitize=address,undefined" }));
  });
});
