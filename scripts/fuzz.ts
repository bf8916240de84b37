// `npm run fuzz -- --seconds N [--inputs N] [--seed S] [--out DIR]`: mutation fuzzing of ternc's readers and commands
// (scripts/fuzz/driver.ts). Prints what it ran and every failure (internal error, hang, out of memory) with the kept
// input; exits 1 when there is one.
import { fuzz } from "./fuzz/driver.js";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seconds = flag("--seconds") !== undefined ? Number(flag("--seconds")) : undefined;
const inputs = flag("--inputs") !== undefined ? Number(flag("--inputs")) : undefined;
const seed = Number(flag("--seed") ?? Date.now() % 100_000);
if ((seconds === undefined && inputs === undefined) || [seconds, inputs, seed].some((v) => v !== undefined && !(v >= 0))) {
  console.error("usage: npm run fuzz -- --seconds N [--inputs N] [--seed S] [--out DIR]");
  process.exit(2);
}
const report = await fuzz({ seconds, inputs, seed, outDir: flag("--out"), log: (line) => console.error(line) });
console.log(`fuzz, seed ${report.seed}: ${report.inputs} inputs, ${report.commands} commands in ${report.seconds.toFixed(0)} s; ${report.failures.length} failures`);
for (const f of report.failures) console.log(`  input ${f.index} (${f.kind}): ternc ${f.args.join(" ")}\n    ${f.detail.split("\n")[0]}\n    kept in ${f.kept}`);
process.exitCode = report.failures.length ? 1 : 0;
