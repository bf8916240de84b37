// The repository's root, for a script run from its source (vitest) or from dist/ (npm scripts).
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/dist\/$/, "/");
