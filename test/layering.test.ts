// The import rules of the design: ir/ imports nothing of ours; a backend imports only ir/ and backends/common/;
// backends/common/ only ir/; nothing outside src/cli/ imports the CLI; passes import only ir/ (and their own
// helpers); and no file outside the target registry names a backend folder. A new import that breaks a rule
// fails here with the file and the import.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/cli.js";

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : name.endsWith(".ts") ? [p] : [];
  });
}

/** Every relative import of every .ts file under ir/, src/, backends/: [importing file, imported file], repo-relative. */
const IMPORTS: Array<[string, string]> = ["ir", "src", "backends"].flatMap((top) =>
  tsFiles(join(ROOT, top)).flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["'](\.[^"']+)["']/g)].map((m) => [relative(ROOT, file), relative(ROOT, resolve(dirname(file), m[1]!))] as [string, string]),
  ),
);

const broken = (rule: (from: string, to: string) => boolean): string[] => IMPORTS.filter(([f, t]) => !rule(f, t)).map(([f, t]) => `${f} imports ${t}`);

describe("import direction", () => {
  it("finds the imports it judges", () => expect(IMPORTS.length).toBeGreaterThan(100));
  it("ir/ imports nothing outside ir/", () => expect(broken((f, t) => !f.startsWith("ir/") || t.startsWith("ir/"))).toEqual([]));
  it("backends/common/ imports only ir/ and itself", () => expect(broken((f, t) => !f.startsWith("backends/common/") || t.startsWith("ir/") || t.startsWith("backends/common/"))).toEqual([]));
  it("a backend imports only ir/, backends/common/ and its own folder", () =>
    expect(broken((f, t) => !/^backends\/(?!common\/)/.test(f) || t.startsWith("ir/") || t.startsWith("backends/common/") || t.startsWith(`${f.split("/").slice(0, 2).join("/")}/`))).toEqual([]));
  it("nothing outside src/cli/ imports the CLI", () => expect(broken((f, t) => f.startsWith("src/cli/") || !t.startsWith("src/cli/"))).toEqual([]));
  it("passes import only ir/, other passes and the shared error, file and utility modules", () =>
    expect(broken((f, t) => !f.startsWith("src/passes/") || ["ir/", "src/passes/", "src/errors", "src/util/", "src/io/"].some((p) => t.startsWith(p)))).toEqual([]));
  it("only the target registry imports a backend's folder", () =>
    expect(broken((f, t) => !/^backends\/(?!common\/)/.test(t) || f.startsWith("backends/") || f === "src/targets/registry.ts")).toEqual([]));
});

describe("no target named outside the registry", () => {
  const names = ["c", "wgsl", "verilog"];
  const files = [...tsFiles(join(ROOT, "src/cli")), ...tsFiles(join(ROOT, "src/targets"))].filter((f) => !f.endsWith("registry.ts"));
  it.each(files.map((f) => [relative(ROOT, f), f]))("%s", (_, file) => {
    const text = readFileSync(file, "utf8");
    for (const n of names) expect(text, `${file} names target ${n}`).not.toMatch(new RegExp(`["'\`]${n}["'\`]|--(target|backend)[ =]${n}\\b`));
  });
});
