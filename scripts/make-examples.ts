// Regenerates the bundled example models in examples/ (deterministic: same seed, same bytes).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { exampleFiles } from "../src/examples.js";

const dir = process.argv[2] ?? "examples";
for (const [name, text] of Object.entries(exampleFiles())) {
  writeFileSync(join(dir, name), text);
  console.log(`wrote ${join(dir, name)}`);
}
