// The C target's options, declared once: the CLI builds its flags from these and the library takes the same names.
import { BackendError, type TargetOptions, type TargetOptionSpec } from "../common/index.js";
import { MAX_THREADS } from "./config.js";
import { C_OPS } from "./ops.js";

export const C_KERNELS = ["auto", "i2", "tq1", "lut"] as const;
export type CKernel = (typeof C_KERNELS)[number];

export const C_HEADS = ["integer", "exact"] as const;
export type CHead = (typeof C_HEADS)[number];

export const C_ISAS = ["native", "avx2", "avx512", "portable", "neon", "neon-nodot"] as const;
export type CIsa = (typeof C_ISAS)[number];

export const C_OPTIONS: readonly TargetOptionSpec[] = [
  { name: "kernel", flag: "--kernel <kind>", kind: "choice", choices: C_KERNELS, default: "auto", step: "compile", description: "ternary kernel for every layer: i2 (2-bit codes), tq1 (base 3, 1.6 bits), lut (lookup tables); auto picks per layer by a cost model" },
  { name: "head", flag: "--head <form>", kind: "choice", choices: C_HEADS, default: "integer", step: "compile", description: "a q8_0/q6_k LM head: integer (its input quantized to int8 per block, integer dot products, as llama.cpp) or exact (f32 products summed in index order)" },
  { name: "int8Head", flag: "--int8-head", kind: "flag", default: false, step: "compile", description: "opt-in, LOSSY: store the LM head (and a tied embedding) as q8_0, int8 with a scale per 32 weights" },
  { name: "prefix", flag: "--prefix <name>", kind: "string", default: "ternc", step: "compile", description: "the name of the build's C symbols and CMake target (NAME_model_open, NAME_model), so several models link into one program" },
  { name: "opHooks", flag: "--op-hooks <ops>", kind: "string", step: "compile", description: "ops (IR op names, comma-separated: ternary_matmul_packed,rmsnorm) the model offers to an op hook installed with ternc_model_set_op_hook before running its own kernel, so a program computes them itself (an accelerator)" },
  { name: "isa", flag: "--isa <isa>", kind: "choice", choices: C_ISAS, default: "native", step: "build", description: "kernels to build: native, avx2, avx512 (with VNNI), portable, or neon / neon-nodot (cross-compiled, run under qemu-aarch64)" },
  { name: "cc", flag: "--cc <compiler>", kind: "string", step: "build", description: "C compiler (default cc, or aarch64-linux-gnu-gcc for neon)" },
  { name: "cflags", flag: "--cflags <flags>", kind: "string", step: "build", description: "C compiler flags instead of the Makefile's -O3" },
  { name: "ldflags", flag: "--ldflags <flags>", kind: "string", step: "build", description: "linker flags for the runner (e.g. -fsanitize=address)" },
  { name: "threads", flag: "--threads <n>", kind: "count", step: "run", description: `threads of the compiled model (default: all cores; at most ${MAX_THREADS})` },
  { name: "mmap", flag: "--mmap", kind: "flag", default: false, step: "run", description: "map weights.bin instead of reading it into (huge-page) memory" },
];

/** The C options, typed (resolveOptions has checked them against C_OPTIONS). */
export interface COptions {
  kernel: CKernel;
  prefix: string;
  head: CHead;
  int8Head: boolean;
  isa: CIsa;
  cc?: string;
  cflags?: string;
  ldflags?: string;
  threads?: number;
  mmap: boolean;
  /** Op names offered to the op hook. */
  opHooks: ReadonlySet<string>;
}

/** Ops that read or append a KV cache: a hook would have to keep the cache in the runtime's layout, so none is offered. */
const UNHOOKABLE = new Set(["concat", "attention"]);

function opHookList(text: string | undefined): Set<string> {
  const ops = new Set((text ?? "").split(",").map((s) => s.trim()).filter(Boolean));
  for (const op of ops) {
    if (!(op in C_OPS)) throw new BackendError("--op-hooks", `'${op}': not an op the C backend compiles (${Object.keys(C_OPS).filter((o) => !UNHOOKABLE.has(o)).join(", ")})`);
    if (UNHOOKABLE.has(op)) throw new BackendError("--op-hooks", `'${op}': reads the KV cache, which an op hook is not given`);
  }
  return ops;
}

export function cOptions(o: TargetOptions): COptions {
  if (typeof o.threads === "number" && o.threads > MAX_THREADS) throw new BackendError("--threads", `${o.threads}: at most ${MAX_THREADS}`);
  const prefix = String(o.prefix ?? "ternc");
  // Lower case C identifiers; `tc...` would let a renamed name be renamed again (tc_x -> tc_tc_x), `ternc...` reads as
  // the default's.
  if (prefix !== "ternc" && (!/^[a-z][a-z0-9_]{0,31}$/.test(prefix) || prefix.startsWith("tc") || prefix.startsWith("ternc"))) {
    throw new BackendError("--prefix", `'${prefix}': expected a lower-case C name of at most 32 characters, not starting with 'tc' or 'ternc'`);
  }
  return {
    kernel: (o.kernel ?? "auto") as CKernel,
    prefix,
    head: (o.head ?? "integer") as CHead,
    int8Head: o.int8Head === true,
    isa: (o.isa ?? "native") as CIsa,
    cc: o.cc as string | undefined,
    cflags: o.cflags as string | undefined,
    ldflags: o.ldflags as string | undefined,
    threads: o.threads as number | undefined,
    mmap: o.mmap === true,
    opHooks: opHookList(o.opHooks as string | undefined),
  };
}
