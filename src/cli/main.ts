#!/usr/bin/env node
// The `ternc` executable.
import { runCli } from "./program.js";

const code = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
});
process.exitCode = code;
