// The files of a C build: ternc_config.h (generated from config.ts), model.c (generated from the graph), the runtime
// sources (copied unchanged), main.c (the runner), a Makefile, a CMake snippet and weights.bin (streamed, checksummed).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Graph } from "../../ir/index.js";
import { type EmitContext, type EmitResult, writeBlob } from "../common/index.js";
import { configHeader, publicDefinitions } from "./config.js";
import { type CProgram, generateC } from "./emit.js";
import { cOptions } from "./options.js";

export const WEIGHTS_FILE = "weights.bin";

/** The runtime sources next to this module (source tree) or at the package root (compiled into dist/). */
function runtimeDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, "runtime"), resolve(here, "../../../backends/c/runtime")]) if (existsSync(join(dir, "ternc_runtime.h"))) return dir;
  throw new Error(`internal: the C runtime sources are missing (looked next to ${here})`);
}

function runtimeFile(name: string): string {
  return readFileSync(join(runtimeDir(), name), "utf8");
}

/** The runtime's sources, copied unchanged into every C output; each .c compiles on its own next to ternc_config.h. */
export const RUNTIME_SOURCES = ["pool.c", "kernels.c", "isa_x86.c", "isa_neon.c", "isa_portable.c", "core.c", "api.c", "sampler.c"] as const;
/** model.h is the public API; the others are the runtime's internal headers. */
export const RUNTIME_HEADERS = ["model.h", "ternc_runtime.h", "isa_matmul.h"] as const;
const LIBRARY_SOURCES = ["model.c", ...RUNTIME_SOURCES];

/** Sources linked into the runner beside the model (an op hook's client) and the function it calls to attach it. */
export interface RunnerExtras {
  sources: readonly string[];
  attach: string;
}

/** The Makefile of a C build; `runner` are its defaults for RUNNER_SOURCES and RUNNER_ATTACH. */
export const makefile = (runner: RunnerExtras = { sources: [], attach: "" }): string => `# Builds a ternc-compiled model: libternc_model.a and the ternc-run runner.
#   make                      # the best kernels for this machine (-march=native)
#   make ISA=avx2|avx512|neon|neon-nodot|portable CC=clang CFLAGS="-O2 -Wall -Wextra -Werror"
#   make RUNNER_SOURCES=hook.c RUNNER_ATTACH=attach   # the runner calls int attach(ternc_model *, char *err, size_t)
CC ?= cc
AR ?= ar
ISA ?= native
CFLAGS ?= -O3
ifeq ($(ISA),native)
ARCHFLAGS := -march=native
else ifeq ($(ISA),avx2)
ARCHFLAGS := -mavx2 -mf16c
else ifeq ($(ISA),avx512)
ARCHFLAGS := -mavx2 -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni
else ifeq ($(ISA),neon)
ARCHFLAGS := -march=armv8.2-a+dotprod
else ifeq ($(ISA),neon-nodot)
ARCHFLAGS := -march=armv8-a
else ifeq ($(ISA),portable)
ARCHFLAGS := -DTERNC_PORTABLE
else
$(error ISA must be native, avx2, avx512, neon, neon-nodot or portable)
endif
# The kernels keep the interpreter's float operation order: no FMA contraction, no fast-math.
REQUIRED := -std=c11 -D_POSIX_C_SOURCE=200809L -ffp-contract=off -pthread
HEADERS := ternc_config.h ${RUNTIME_HEADERS.join(" ")}
RUNNER_SOURCES ?= ${runner.sources.join(" ")}
RUNNER_ATTACH ?= ${runner.attach}
OBJECTS := ${LIBRARY_SOURCES.map((f) => f.replace(/\.c$/, ".o")).join(" ")}

all: ternc-run libternc_model.a

%.o: %.c $(HEADERS)
\t$(CC) $(REQUIRED) $(ARCHFLAGS) $(CFLAGS) -c $< -o $@

libternc_model.a: $(OBJECTS)
\t$(AR) rcs $@ $(OBJECTS)

ternc-run: main.c $(RUNNER_SOURCES) libternc_model.a $(HEADERS)
\t$(CC) $(REQUIRED) $(ARCHFLAGS) $(CFLAGS) $(if $(RUNNER_ATTACH),-DTERNC_RUNNER_ATTACH=$(RUNNER_ATTACH)) main.c $(RUNNER_SOURCES) libternc_model.a -o $@ $(LDFLAGS) -lm

clean:
\trm -f $(OBJECTS) libternc_model.a ternc-run

.PHONY: all clean
`;

/** The CMake snippet; its library target is `<prefix>_model`. */
export function cmakeSnippet(prefix: string): string {
  const t = `${prefix}_model`;
  return `# A ternc-compiled model for CMake builds:
#   include(path/to/model/ternc_model.cmake)
#   target_link_libraries(your_app PRIVATE ${t})
# Set TERNC_PORTABLE=ON for the portable kernels instead of -march=native.
option(TERNC_PORTABLE "portable C kernels instead of -march=native" OFF)
find_package(Threads REQUIRED)
add_library(${t} STATIC ${LIBRARY_SOURCES.map((f) => `\${CMAKE_CURRENT_LIST_DIR}/${f}`).join(" ")})
target_include_directories(${t} PUBLIC \${CMAKE_CURRENT_LIST_DIR})
set_target_properties(${t} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_compile_definitions(${t} PRIVATE _POSIX_C_SOURCE=200809L $<$<BOOL:\${TERNC_PORTABLE}>:TERNC_PORTABLE>)
# -O3 whatever the build type: a model built at -O0 (a Debug build, or none) decodes about 10x slower.
target_compile_options(${t} PRIVATE -O3 -ffp-contract=off $<$<NOT:$<BOOL:\${TERNC_PORTABLE}>>:-march=native>)
target_link_libraries(${t} PUBLIC Threads::Threads m)
`;
}

/**
 * The renames that put a build's C names under `prefix` (`--prefix`): every lower-case `ternc_` and `tc_` identifier
 * its sources use becomes `<prefix>_...` / `<prefix>_tc_...` through macros in ternc_config.h, which every source
 * includes before any of them. Names the sources define as macros keep theirs. None for the default prefix.
 */
export function prefixRenames(prefix: string, sources: readonly string[]): string[] {
  if (prefix === "ternc") return [];
  const macros = new Set<string>();
  const names = new Set<string>();
  for (const text of sources) {
    for (const m of text.matchAll(/#\s*define\s+(\w+)/g)) macros.add(m[1]!);
    for (const m of text.matchAll(/\b(?:tc|ternc)_\w*/g)) if (/^(?:tc|ternc)_[a-z]/.test(m[0])) names.add(m[0]);
  }
  return [...names]
    .filter((n) => !macros.has(n))
    .sort()
    .map((n) => `#define ${n} ${prefix}_${n.startsWith("ternc_") ? n.slice("ternc_".length) : n}`);
}

/**
 * `<prefix>_model.h` of a prefixed build: model.h with its names under the prefix and the generated numbers it needs
 * inline, so it includes nothing of the build: the headers of several models go in one source file (model.h reaches
 * the same names through ternc_config.h's macros, one model per source file).
 */
export function prefixedHeader(prefix: string, modelH: string): string {
  const guard = `${prefix.toUpperCase()}_MODEL_H`;
  const text = modelH
    .replace('#include "ternc_config.h"', publicDefinitions())
    .replaceAll("TERNC_MODEL_H", guard)
    // Names, not the file names comments mention (ternc_config.h, ternc_model.cmake).
    .replace(/\bternc_([a-z][a-z0-9_]*)\b(?!\.[a-z])/g, `${prefix}_$1`);
  return `/* The ${prefix} model's API, generated by ternc --prefix ${prefix} from model.h: self-contained, so several models' headers\n * go in one source file; link ${prefix}'s library (the CMake target ${prefix}_model). */\n${text}`;
}

/** The files of a C build other than weights.bin, by name; `runner` are the Makefile's defaults for the runner's extras. */
export function sourceFiles(program: CProgram, prefix = "ternc", runner?: RunnerExtras): Record<string, string> {
  const files: Record<string, string> = { "model.c": program.source };
  for (const name of [...RUNTIME_HEADERS, ...RUNTIME_SOURCES, "main.c"]) files[name] = runtimeFile(name);
  const own = prefix === "ternc" ? {} : { [`${prefix}_model.h`]: prefixedHeader(prefix, files["model.h"]!) };
  return { "ternc_config.h": configHeader(prefix, prefixRenames(prefix, Object.values(files))), ...files, ...own, Makefile: makefile(runner), "ternc_model.cmake": cmakeSnippet(prefix) };
}

/** Writes the C build of `graph` into the empty folder `dir`. */
export function emitC(graph: Graph, dir: string, ctx: EmitContext): EmitResult {
  const o = cOptions(ctx.options);
  const program = generateC(graph, {
    abi: ctx.abi,
    loadConst: ctx.loadConst,
    banner: ctx.banner,
    defaultContext: ctx.defaultContext,
    specialTokens: ctx.specialTokens,
    offer: (node) => (o.opHooks.has(node.op) ? "optional" : undefined),
  });
  const files = sourceFiles(program, o.prefix);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeBlob(join(dir, WEIGHTS_FILE), program.blob);
  const counts = new Map<string, number>();
  for (const k of Object.values(program.kernels)) counts.set(k, (counts.get(k) ?? 0) + 1);
  const kernels = [...counts].map(([k, n]) => `${k} x${n}`).join(", ") || "none";
  return {
    files: [...Object.keys(files), WEIGHTS_FILE],
    manifest: { api: "model.h", weights: { file: WEIGHTS_FILE, ...program.blob.describe() }, kernels: program.kernels },
    summary: [`${WEIGHTS_FILE} ${(program.blob.totalBytes / (1 << 20)).toFixed(1)} MiB; ternary products: ${kernels}`, `build: make -C {out}   then: {out}/ternc-run --weights {out}/${WEIGHTS_FILE} --tokens 1,2,3`],
    kernels: program.kernels,
  };
}
