// The C runtime's sources stand alone: each .c compiles by itself, with warnings as errors, for every instruction
// set the Makefile offers, against nothing but the generated ternc_config.h; and each build links exactly one ISA
// file's kernels.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RUNTIME_HEADERS, RUNTIME_SOURCES } from "../../../backends/c/artifacts.js";
import { configHeader } from "../../../backends/c/config.js";

const runtime = join(dirname(fileURLToPath(import.meta.url)), "../../../backends/c/runtime");
const dir = mkdtempSync(join(tmpdir(), "ternc-c-runtime-"));
for (const f of [...RUNTIME_HEADERS, ...RUNTIME_SOURCES]) copyFileSync(join(runtime, f), join(dir, f));
writeFileSync(join(dir, "ternc_config.h"), configHeader());

const STRICT = ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-ffp-contract=off", "-pthread", "-O2", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];

/** The ISA file whose kernels a build carries, per the Makefile's ISA names. */
const BUILDS = [
  { isa: "avx2", cc: "gcc", flags: ["-mavx2", "-mf16c"], file: "isa_x86.c" },
  { isa: "avx512", cc: "gcc", flags: ["-mavx2", "-mf16c", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512vnni"], file: "isa_x86.c" },
  { isa: "portable", cc: "gcc", flags: ["-DTERNC_PORTABLE"], file: "isa_portable.c" },
  { isa: "avx2 (clang)", cc: "clang", flags: ["-mavx2", "-mf16c"], file: "isa_x86.c" },
  { isa: "neon", cc: "aarch64-linux-gnu-gcc", flags: ["-march=armv8.2-a+dotprod"], file: "isa_neon.c" },
  { isa: "neon-nodot", cc: "aarch64-linux-gnu-gcc", flags: ["-march=armv8-a"], file: "isa_neon.c" },
] as const;

const definedSymbols = (cc: string, object: string): string[] => {
  const nm = spawnSync(cc.replace(/gcc$|clang$/, "") + "nm", ["--defined-only", "-g", object], { encoding: "utf8" });
  expect(nm.status, nm.stderr).toBe(0);
  return nm.stdout.split("\n").map((l) => l.trim().split(/\s+/)[2]).filter((s): s is string => !!s);
};

describe("C runtime sources", () => {
  for (const b of BUILDS) {
    it(`each compiles on its own with -Werror: ${b.isa}`, () => {
      for (const src of RUNTIME_SOURCES) {
        const object = join(dir, `${b.isa.replace(/\W+/g, "_")}-${src}.o`);
        const r = spawnSync(b.cc, [...STRICT, ...b.flags, "-c", src, "-o", object], { cwd: dir, encoding: "utf8" });
        expect(r.status, `${b.cc} ${src}:\n${r.stderr}`).toBe(0);
        const isaSymbols = definedSymbols(b.cc, object).filter((s) => s.startsWith("tc_isa_"));
        // The targeted ISA file defines the whole tc_isa_* interface; every other file defines none of it.
        if (src === b.file) expect(isaSymbols.sort()).toEqual(["tc_isa_dot_codes", "tc_isa_matmul_q8_kernel", "tc_isa_matmul_task", "tc_isa_packed_kernel"]);
        else expect(isaSymbols, src).toEqual([]);
      }
    });
  }
});
