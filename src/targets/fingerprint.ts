// A fingerprint of ternc's own code: compiled outputs cached under it go stale when any code that can change
// them does (the IR, the passes, the frontends, the driver, every backend and its runtime sources).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const CODE = /\.(js|mjs|ts|c|h)$/;

/** The folders whose files the default fingerprint hashes: ir/, src/ and backends/ (compiled or source), and the runtime sources. */
export function fingerprintRoots(): string[] {
  const codeRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../.."); // dist/ when compiled, the repo in tests
  const packageRoot = existsSync(join(codeRoot, "package.json")) ? codeRoot : dirname(codeRoot);
  return [...new Set([join(codeRoot, "ir"), join(codeRoot, "src"), join(codeRoot, "backends"), join(packageRoot, "backends")])].filter((d) => existsSync(d));
}

/** A hash of every code file under `roots` (paths and contents, in a stable order). */
export function codeFingerprint(roots: readonly string[] = fingerprintRoots()): string {
  const h = createHash("sha256");
  const walk = (root: string, dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(root, p);
      else if (CODE.test(name) && !name.endsWith(".d.ts")) h.update(`${relative(root, p)}\0`).update(readFileSync(p));
    }
  };
  for (const root of roots) walk(dirname(root), root);
  return h.digest("hex").slice(0, 20);
}

let cached: string | undefined;

/** The fingerprint of the running ternc, computed once per process. */
export function currentFingerprint(): string {
  return (cached ??= codeFingerprint());
}
