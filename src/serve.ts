// `ternc serve DIR`: serves a build that runs in a browser (a target with browserRuntime) with the web demo page
// (examples/web) on 127.0.0.1, so a user can open it. Only the demo's files, the tokenizer module and the files the
// build's manifest lists are served: nothing else on the machine is reachable through it.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readManifest } from "../backends/common/index.js";
import { UserError } from "./errors.js";
import { allTargets } from "./targets/registry.js";

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".json": "application/json", ".css": "text/css", ".png": "image/png" };
const typeOf = (file: string): string => TYPES[/\.[a-z]+$/.exec(file)?.[0] ?? ""] ?? "application/octet-stream";

/** The package root (source tree or the installed package, whose dist/ mirrors src/). */
function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ["..", "../.."]) if (existsSync(join(here, up, "package.json"))) return resolve(here, up);
  throw new Error(`internal: no package root above ${here}`);
}

/** The URL paths served and the file behind each. */
export function servedFiles(dir: string): Map<string, string> {
  const manifest = readManifest(dir);
  const web = allTargets().filter((t) => t.browserRuntime).map((t) => t.name);
  if (!manifest) throw new UserError(`${dir}: not a ternc build (no manifest.json): run ternc compile MODEL --target ${web.join("|")} -o ${dir} first`);
  if (!web.includes(manifest.target)) throw new UserError(`${dir}: a build for target '${manifest.target}', which does not run in a browser; the web demo runs a build for ${web.join(" or ")}`);
  const root = packageRoot();
  const tokenizer = ["dist/src/frontend/tokenizer/tokenizer.js", "src/frontend/tokenizer/tokenizer.js"].map((f) => join(root, f)).find((f) => existsSync(f));
  if (!tokenizer) throw new Error("internal: the compiled tokenizer module is missing (run npm run build)");
  const files = new Map<string, string>([
    ["/", join(root, "examples/web/index.html")],
    ["/demo.js", join(root, "examples/web/demo.js")],
    ["/tokenizer.js", tokenizer],
  ]);
  const names = Array.isArray(manifest.files) ? manifest.files.map((f) => f.name) : [];
  // A build's files are plain names in its folder: anything else in a manifest is not served.
  for (const name of ["manifest.json", ...names]) if (typeof name === "string" && /^[\w.-]+$/.test(name) && !name.startsWith(".")) files.set(`/model/${name}`, join(dir, name));
  return files;
}

/** Starts serving `dir` on 127.0.0.1:port (0: any free port); resolves with the server and its URL. */
export async function serveModel(dir: string, port = 8080): Promise<{ server: Server; url: string }> {
  const files = servedFiles(dir);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const file = files.get(path);
    if (req.method !== "GET") {
      res.writeHead(405, { "content-type": "text/plain" }).end("GET only\n");
      return;
    }
    let size: number | undefined;
    try {
      const st = file ? statSync(file) : undefined;
      size = st?.isFile() ? st.size : undefined;
    } catch {
      size = undefined;
    }
    if (!file || size === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    // Streamed: weights.bin may be larger than one read can hold, and the server keeps answering while it goes.
    res.writeHead(200, { "content-type": typeOf(file), "content-length": size, "cache-control": "no-store" });
    createReadStream(file)
      .on("error", () => res.destroy())
      .pipe(res);
  });
  return await new Promise((ok, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) => fail(e.code === "EADDRINUSE" ? new UserError(`--port ${port}: the port is in use (try --port 0 for any free one)`) : e));
    server.listen(port, "127.0.0.1", () => {
      const a = server.address();
      ok({ server, url: `http://127.0.0.1:${typeof a === "object" && a ? a.port : port}/` });
    });
  });
}
