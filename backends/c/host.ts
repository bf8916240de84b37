// The C backend as another target's host (backends/common/host.ts): the model's program with the ops a client computes
// left to its op hook, the client's sources linked into the runner, run with one thread (the client's other end, a
// simulator, has the other cores).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CHost, type TargetTolerances, writeBlob } from "../common/index.js";
import { sourceFiles, WEIGHTS_FILE } from "./artifacts.js";
import { generateC } from "./emit.js";
import { cOptions } from "./options.js";
import { buildC, hasRunner, runGraphC, runModelC } from "./toolchain.js";

/** The kernels keep the interpreter's float operation order; the tolerance covers libm's exp/sqrt differences. */
export const C_TOLERANCE: TargetTolerances = { op: { abs: 1e-6, rel: 1e-5 }, logitsRel: 1e-3 };

/** Warnings are errors in a check build, as in the C target's own. */
export const CHECK_CFLAGS = "-O2 -Wall -Wextra -Werror";

const HOST_OPTIONS = cOptions({ threads: 1 });

export const cHost: CHost = {
  tolerance: C_TOLERANCE,
  emit(graph, dir, ctx, client) {
    const program = generateC(graph, {
      abi: ctx.abi,
      loadConst: ctx.loadConst,
      banner: ctx.banner,
      defaultContext: ctx.defaultContext,
      ...(ctx.specialTokens ? { specialTokens: ctx.specialTokens } : {}),
      offer: (node) => (client.computes(node) ? "required" : undefined),
    });
    const runner = { sources: Object.keys(client.sources).filter((f) => f.endsWith(".c")), attach: client.attach };
    const files = { ...sourceFiles(program, "ternc", runner), ...client.sources };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    writeBlob(join(dir, WEIGHTS_FILE), program.blob);
    return [...Object.keys(files), WEIGHTS_FILE];
  },
  build: (dir, mode) => void buildC(dir, { ...HOST_OPTIONS, ...(mode === "check" ? { cflags: CHECK_CFLAGS } : {}) }),
  isBuilt: hasRunner,
  runModel: (dir, req, vocab, env) => runModelC(dir, req, HOST_OPTIONS, vocab, env),
  runGraph: (dir, req, env) => runGraphC(dir, req, HOST_OPTIONS, env),
};
