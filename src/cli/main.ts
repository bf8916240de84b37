#!/usr/bin/env node
// The `ternc` executable.
import { createInterface } from "node:readline";
import { runCli } from "./program.js";

// A reader that stops early (`ternc ... | head -1`) closes the pipe: what it did not read is not wanted, so ternc
// stops quietly, as a C program killed by SIGPIPE would, instead of dying on an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(process.exitCode ?? 0);
  });
}

const code = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stderrIsTerminal: process.stderr.isTTY === true,
  readLines: () => createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false }),
  stdinIsTerminal: process.stdin.isTTY === true,
});
process.exitCode = code;
