// ternc's version, read once from package.json so it is written in one place.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageJson(): string {
  // src/ in the source tree, dist/src/ when compiled.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "ternc" && pkg.version) return pkg.version;
    } catch {
      // not here: look one folder up
    }
  }
  throw new Error("internal: ternc's package.json was not found");
}

/** The version of this ternc (package.json). */
export const VERSION: string = findPackageJson();
