// `npm run corpus -- --out DIR [--check]`: writes the corrupt-file corpus (scripts/corpus/cases.ts) into DIR, one
// folder a case and cases.json listing each case's command and the words its error must contain. With --check, runs
// every case through the built ternc and prints one line a case; exits 1 when any case does not end with exit 1 and
// its message.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeCorpus } from "./corpus/cases.js";

const i = process.argv.indexOf("--out");
const out = i >= 0 ? process.argv[i + 1] : undefined;
if (!out) {
  console.error("usage: npm run corpus -- --out DIR [--check]");
  process.exit(2);
}
const dir = resolve(out);
const cases = writeCorpus(dir);
writeFileSync(join(dir, "cases.json"), `${JSON.stringify(cases, null, 2)}\n`);
const formats = [...new Set(cases.map((c) => c.format))].map((f) => `${cases.filter((c) => c.format === f).length} ${f}`).join(", ");
console.log(`wrote ${cases.length} cases (${formats}) and cases.json to ${dir}`);
if (process.argv.includes("--check")) {
  const main = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
  let failed = 0;
  for (const c of cases) {
    const r = spawnSync(process.execPath, [main, ...c.argv], { encoding: "utf8" });
    const missing = c.expect.filter((e) => !r.stderr.includes(e));
    const ok = r.status === 1 && missing.length === 0;
    if (!ok) failed++;
    console.log(`${ok ? "ok  " : "FAIL"} ${c.id}: ${ok ? c.what : `exit ${r.status}, missing ${JSON.stringify(missing)}; stderr: ${r.stderr.trim().split("\n")[0]}`}`);
  }
  console.log(`${cases.length - failed} of ${cases.length} cases end with exit 1 and their message`);
  process.exitCode = failed ? 1 : 0;
}
