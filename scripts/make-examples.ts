// Regenerates the bundled example models in examples/ (deterministic: same seed, same bytes).
import { writeExamples } from "../src/examples.js";

for (const path of writeExamples(process.argv[2] ?? "examples")) console.log(`wrote ${path}`);
