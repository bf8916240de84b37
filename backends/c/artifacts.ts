// Writes a compiled model's files: model.h, model.c, weights.bin (streamed, checksummed), main.c, a Makefile,
// a CMake snippet and manifest.json, into a fresh directory that replaces the output only when complete.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import type { Graph } from "../../ir/index.js";
import { BLOB_HEADER_BYTES, CBackendError, type CEmitOptions, type CProgram, emitModel } from "./emit.js";

/** The runtime sources next to this module (source tree) or at the package root (compiled into dist/). */
function runtimeDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, "runtime"), resolve(here, "../../../backends/c/runtime")]) if (existsSync(join(dir, "runtime.c"))) return dir;
  throw new Error(`internal: the C runtime sources are missing (looked next to ${here})`);
}

function runtimeFile(name: string): string {
  return readFileSync(join(runtimeDir(), name), "utf8");
}

export const MAKEFILE = `# Builds a ternc-compiled model: libternc_model.a and the ternc-run runner.
#   make                      # the best kernels for this machine (-march=native)
#   make ISA=avx2|avx512|neon|neon-nodot|portable CC=clang CFLAGS="-O2 -Wall -Wextra -Werror"
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

all: ternc-run libternc_model.a

model.o: model.c model.h
\t$(CC) $(REQUIRED) $(ARCHFLAGS) $(CFLAGS) -c model.c -o model.o

libternc_model.a: model.o
\t$(AR) rcs $@ model.o

ternc-run: main.c model.o model.h
\t$(CC) $(REQUIRED) $(ARCHFLAGS) $(CFLAGS) main.c model.o -o $@ $(LDFLAGS) -lm

clean:
\trm -f model.o libternc_model.a ternc-run

.PHONY: all clean
`;

export const CMAKE_SNIPPET = `# A ternc-compiled model for CMake builds:
#   include(path/to/model/ternc_model.cmake)
#   target_link_libraries(your_app PRIVATE ternc_model)
# Set TERNC_PORTABLE=ON for the portable kernels instead of -march=native.
option(TERNC_PORTABLE "portable C kernels instead of -march=native" OFF)
find_package(Threads REQUIRED)
add_library(ternc_model STATIC \${CMAKE_CURRENT_LIST_DIR}/model.c)
target_include_directories(ternc_model PUBLIC \${CMAKE_CURRENT_LIST_DIR})
set_target_properties(ternc_model PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_compile_definitions(ternc_model PRIVATE _POSIX_C_SOURCE=200809L $<$<BOOL:\${TERNC_PORTABLE}>:TERNC_PORTABLE>)
target_compile_options(ternc_model PRIVATE -ffp-contract=off $<$<NOT:$<BOOL:\${TERNC_PORTABLE}>>:-march=native>)
target_link_libraries(ternc_model PUBLIC Threads::Threads m)
`;

/** A hash of the backend's code and runtime sources: compiled outputs cached under it go stale with them. */
export function backendFingerprint(): string {
  const h = createHash("sha256");
  const here = dirname(fileURLToPath(import.meta.url));
  for (const f of ["runtime.c", "core.c", "api.c", "main.c", "model.h"]) h.update(runtimeFile(f));
  for (const f of readdirSync(here).sort()) if (/\.(js|ts)$/.test(f)) h.update(readFileSync(join(here, f)));
  return h.digest("hex").slice(0, 16);
}

/** The whole model.c: runtime kernels, generated sizes, the model struct, the forward function, the API. */
export function assembleModelC(program: CProgram): string {
  // _DEFAULT_SOURCE before any system header: madvise(MADV_HUGEPAGE) for the weights.
  return ["#define _DEFAULT_SOURCE 1", '#include "model.h"', runtimeFile("runtime.c"), program.constants, runtimeFile("core.c"), program.forward, runtimeFile("api.c")].join("\n");
}

/**
 * Streams weights.bin: a 64-byte header (magic, total size, CRC-32 of everything after the header, layout id),
 * then every constant at its 64-byte aligned offset. Written to `path` directly (the caller writes into a
 * fresh directory).
 */
export function writeWeightBlob(path: string, program: CProgram): void {
  const fd = openSync(path, "w");
  try {
    let crc = 0;
    let at = BLOB_HEADER_BYTES;
    const put = (bytes: Uint8Array): void => {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, at + done);
      crc = crc32(bytes, crc);
      at += bytes.length;
    };
    for (const e of program.blob) {
      if (e.offset > at) put(new Uint8Array(e.offset - at));
      const bytes = e.produce();
      if (bytes.length !== e.bytes) throw new Error(`internal: %${e.name} produced ${bytes.length} bytes for a ${e.bytes}-byte ${e.layout} slot`);
      put(bytes);
    }
    if (program.blobBytes > at) put(new Uint8Array(program.blobBytes - at));
    const header = new Uint8Array(BLOB_HEADER_BYTES);
    const view = new DataView(header.buffer);
    header.set(new TextEncoder().encode("TERNCW01"));
    view.setBigUint64(8, BigInt(program.blobBytes), true);
    view.setUint32(16, crc >>> 0, true);
    view.setUint32(20, program.layoutId, true);
    writeSync(fd, header, 0, header.length, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface CompileCOptions extends CEmitOptions {
  /** Written into manifest.json (source model, pipeline, ternc version...). */
  manifest: Record<string, unknown>;
}

export interface CompiledC {
  dir: string;
  files: string[];
  program: CProgram;
}

/** Compiles `graph` into directory `out`, replacing it only once every file is written. */
export function compileToDirectory(graph: Graph, out: string, opts: CompileCOptions): CompiledC {
  const program = emitModel(graph, opts);
  const target = resolve(out);
  if (existsSync(target) && readdirSync(target).length > 0 && !existsSync(join(target, "manifest.json"))) {
    throw new CBackendError(out, "exists and is not an earlier C output (no manifest.json); refusing to replace it");
  }
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    const files: Record<string, string> = {
      "model.h": runtimeFile("model.h"),
      "model.c": assembleModelC(program),
      "main.c": runtimeFile("main.c"),
      Makefile: MAKEFILE,
      "ternc_model.cmake": CMAKE_SNIPPET,
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(tmp, name), text);
    writeWeightBlob(join(tmp, "weights.bin"), program);
    const manifest = {
      ...opts.manifest,
      target: "c",
      files: [...Object.keys(files), "weights.bin"],
      api: "model.h",
      inputs: { tokens: "i32[T]", positions: "implicit: n_past + i" },
      outputs: { logits: `f32[T, ${program.vocab}]` },
      weights: { file: "weights.bin", bytes: program.blobBytes, layoutId: `0x${program.layoutId.toString(16).padStart(8, "0")}`, checksum: "crc32 of bytes 64.. at header offset 16", constants: program.blob.map((e) => ({ name: e.name, layout: e.layout, offset: e.offset, bytes: e.bytes })) },
      kernels: program.kernels,
    };
    writeFileSync(join(tmp, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
    return { dir: target, files: [...Object.keys(files), "weights.bin", "manifest.json"], program };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
