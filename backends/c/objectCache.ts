// Compiled runtime objects shared between C builds. The runtime's sources are the same in every build, so each is
// compiled once per compiler, ISA, flags and bytes (the source, every header, the Makefile) and copied into the next
// build that needs the same: validating a model, or the 126 single-op builds of the test suite, then compiles only
// model.c and main.c. Entries live in the cache folder (objects/) and are written by rename, so concurrent builds
// never see half an object.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { cpus } from "node:os";
import { join } from "node:path";
import { cacheRoot, tempPathFor } from "../common/index.js";
import { RUNTIME_HEADERS, RUNTIME_SOURCES } from "./artifacts.js";

/** What decides an object besides its source: the compiler and the make variables a build passes. */
export interface ObjectBuild {
  cc: string;
  isa: string;
  cflags?: string;
}

const compilerIds = new Map<string, string>();

/** The compiler's own description (`cc --version`'s first line), so an upgraded compiler gets fresh objects. */
function compilerId(cc: string): string {
  let id = compilerIds.get(cc);
  if (id === undefined) {
    const r = spawnSync(cc, ["--version"], { encoding: "utf8" });
    id = r.status === 0 ? (r.stdout.split("\n")[0] ?? "") : "";
    compilerIds.set(cc, id);
  }
  return id;
}

let host: string | undefined;

/**
 * The CPU `-march=native` compiles for: its model and feature flags. A cache folder shared by two machines (a home on
 * NFS) must not hand an AVX-512 object to a CPU without AVX-512.
 */
function hostId(): string {
  if (host === undefined) {
    let flags = "";
    try {
      flags = /^(?:flags|Features)\s*:(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "";
    } catch {
      // Not Linux: the model name below is what there is.
    }
    host = JSON.stringify([process.arch, cpus()[0]?.model ?? "", flags.trim()]);
  }
  return host;
}

const objectDir = (): string => join(cacheRoot(), "objects");

/** What every object of a build shares: the compiler, the make variables, the headers and the Makefile. */
function buildDigest(dir: string, b: ObjectBuild): string {
  // Without --cflags, make takes CFLAGS (and any variable in MAKEFLAGS) from the environment: they decide the object.
  const cflags = b.cflags ?? process.env.CFLAGS ?? null;
  const env = [process.env.MAKEFLAGS ?? null, process.env.CPPFLAGS ?? null];
  const native = b.isa === "native" || /native/.test(`${cflags ?? ""} ${env.join(" ")}`);
  const hash = createHash("sha256").update(JSON.stringify([compilerId(b.cc), b.cc, b.isa, cflags, env, native ? hostId() : null]));
  for (const f of ["ternc_config.h", ...RUNTIME_HEADERS, "Makefile"]) hash.update(f).update(readFileSync(join(dir, f)));
  return hash.digest("hex");
}

const objectKey = (dir: string, source: string, build: string): string =>
  createHash("sha256").update(build).update(source).update(readFileSync(join(dir, source))).digest("hex").slice(0, 32);

const objectOf = (source: string): string => source.replace(/\.c$/, ".o");

/**
 * Copies the cached objects of the runtime sources into the build folder `dir` (newer than their sources, so make
 * keeps them); returns the sources it had none for, with their keys, for `storeObjects` after the build.
 */
export function restoreObjects(dir: string, b: ObjectBuild): Array<{ source: string; key: string }> {
  const missing: Array<{ source: string; key: string }> = [];
  const build = buildDigest(dir, b);
  for (const source of RUNTIME_SOURCES) {
    const key = objectKey(dir, source, build);
    const cached = join(objectDir(), `${key}.o`);
    if (existsSync(cached)) copyFileSync(cached, join(dir, objectOf(source)));
    else missing.push({ source, key });
  }
  return missing;
}

/** Keeps the objects a build compiled for the next build with the same key. */
export function storeObjects(dir: string, built: ReadonlyArray<{ source: string; key: string }>): void {
  if (built.length === 0) return;
  try {
    mkdirSync(objectDir(), { recursive: true });
    for (const { source, key } of built) {
      const target = join(objectDir(), `${key}.o`);
      const tmp = tempPathFor(target);
      copyFileSync(join(dir, objectOf(source)), tmp);
      renameSync(tmp, target);
    }
  } catch {
    // A cache that cannot be written costs only time: the next build compiles again.
    for (const { key } of built) rmSync(tempPathFor(join(objectDir(), `${key}.o`)), { force: true });
  }
}
