// `npm run bench:c`: random-weight models with the exact shapes of bitnet_b1_58-large and bitnet-b1.58-2B-4T
// (TQ2_0 GGUF; F16 or Q6_K embedding), compiled to C and run: decode tokens/s (32 tokens after an 8-token prompt) and
// prefill tokens/s (64 tokens), median and range of several rounds, with 1 and 2 threads; the bytes one decode step
// reads and the share of the machine's read bandwidth (a STREAM-style read kernel measured in the same round) that
// decode reaches; and where one decode step spends its time, by op kind.
//
// Peers, when given: `--llama-bench PATH` (llama.cpp's llama-bench, reading the same TQ2_0 file) and `--bitnet-bench
// PATH` with `--bitnet-quantize PATH` (bitnet.cpp's llama-bench and llama-quantize: the file is converted to its I2_S
// layout, the embedding kept in its type). Every round runs ternc and each peer in turn (A B C A B C ...), so the
// ratios compare runs minutes apart at most. scripts/peers/build-peers.sh builds both from their public sources.
//
// The last rows repeat the 2-thread rounds with another process spinning on one core (a build, a browser): a runtime
// whose threads wait on each other, or spin, loses most of its speed there (--skip-busy leaves them out).
//
//   npm run bench:c -- [--only large|2B-4T|int8] [--rounds 5] [--threads 1,2] [--skip-busy] [--llama-bench P] [--bitnet-bench P --bitnet-quantize P]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cTarget } from "../backends/c/index.js";
import { resolveOptions } from "../backends/common/index.js";
import { readGguf } from "../src/frontend/gguf/gguf.js";
import { compileModel } from "../src/targets/compile.js";
import { BITNET_2B4T_SHAPE, BITNET_LARGE_SHAPE, writeLargeBitnetGguf } from "./lib/largeModel.js";

const READ_KERNEL = `#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define BYTES (1ull << 30)
static const char *buf;
static int nthreads;
static double sums[64];
static void *reader(void *arg) {
  long id = (long)arg;
  size_t part = BYTES / (size_t)nthreads;
  const __m256 *p = (const __m256 *)(buf + part * (size_t)id), *end = (const __m256 *)(buf + part * (size_t)(id + 1));
  __m256 a = _mm256_setzero_ps(), b = a, c = a, d = a;
  for (; p < end; p += 4) { a = _mm256_add_ps(a, p[0]); b = _mm256_add_ps(b, p[1]); c = _mm256_add_ps(c, p[2]); d = _mm256_add_ps(d, p[3]); }
  float out[8];
  _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d)));
  sums[id] = out[0];
  return NULL;
}
int main(int argc, char **argv) {
  nthreads = atoi(argv[1]);
  char *m = aligned_alloc(64, BYTES);
  memset(m, 1, BYTES);
  buf = m;
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
    struct timespec t0, t1;
    pthread_t th[64];
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < nthreads; i++) pthread_create(&th[i], NULL, reader, (void *)i);
    for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (BYTES / s > best) best = BYTES / s;
  }
  printf("%.3f %f\\n", best / 1e9, sums[0]);
  return 0;
}
`;

/** Builds the read kernel once; the result measures GB/s with a given number of threads. */
function buildReadBandwidth(dir: string): (threads: number) => number {
  const src = join(dir, "read.c");
  writeFileSync(src, READ_KERNEL);
  const bin = join(dir, "read");
  const cc = spawnSync("cc", ["-O2", "-mavx2", "-pthread", src, "-o", bin], { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(cc.stderr);
  return (threads) => Number(spawnSync(bin, [String(threads)], { encoding: "utf8" }).stdout.split(" ")[0]);
}

interface Variant {
  name: string;
  key: string;
  shape: typeof BITNET_2B4T_SHAPE;
  embedding: "F16" | "Q6_K";
  /** The opt-in lossy q8_0 head (--int8-head). */
  int8Head?: boolean;
  /** Run only when named with --only, to keep the default run short. */
  onRequest?: boolean;
}

const VARIANTS: Variant[] = [
  { name: "bitnet_b1_58-large shape, F16 embedding", key: "large", shape: BITNET_LARGE_SHAPE, embedding: "F16" },
  { name: "bitnet-b1.58-2B-4T shape, Q6_K embedding", key: "2B-4T", shape: BITNET_2B4T_SHAPE, embedding: "Q6_K" },
  { name: "bitnet-b1.58-2B-4T shape, F16 embedding, --int8-head (lossy)", key: "int8", shape: BITNET_2B4T_SHAPE, embedding: "F16", int8Head: true, onRequest: true },
];

interface Rates {
  decode: number[];
  prefill: number[];
}

interface Runtime {
  name: string;
  /** Bytes one decode step reads: every weight once (an untied embedding only its row). */
  perToken: number;
  run(threads: number): Promise<{ decode: number; prefill: number }> | { decode: number; prefill: number };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;

/** Bytes a peer reads per decode step from its GGUF: every tensor, but an embedding with a separate head only its row. */
function ggufBytesPerToken(path: string): number {
  const file = readGguf(path);
  const tied = !file.tensors.some((t) => t.name === "output.weight");
  return file.tensors.filter((t) => tied || t.name !== "token_embd.weight").reduce((a, t) => a + t.byteSize, 0);
}

/** The commit each peer's llama-bench reports it was built from. */
const buildCommits = new Map<string, string>();

/** A llama-bench binary as a runtime: one repetition of pp64 and tg32 per call (its own warm-up first). */
function llamaBench(name: string, bin: string, model: string): Runtime {
  return {
    name,
    perToken: ggufBytesPerToken(model),
    run(threads) {
      const r = spawnSync(bin, ["-m", model, "-t", String(threads), "-p", "64", "-n", "32", "-r", "1", "-o", "json"], { encoding: "utf8", maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`${name}: ${bin} failed:\n${r.stderr.slice(-2000)}`);
      const tests = JSON.parse(r.stdout) as Array<{ n_prompt: number; n_gen: number; avg_ts: number; build_commit: string }>;
      buildCommits.set(name, tests[0]!.build_commit);
      const rate = (prompt: number, gen: number): number => tests.find((t) => t.n_prompt === prompt && t.n_gen === gen)!.avg_ts;
      return { decode: rate(0, 32), prefill: rate(64, 0) };
    },
  };
}

const { values: args } = parseArgs({
  options: {
    only: { type: "string" },
    rounds: { type: "string", default: "5" },
    threads: { type: "string", default: "1,2" },
    "skip-busy": { type: "boolean", default: false },
    "llama-bench": { type: "string" },
    "bitnet-bench": { type: "string" },
    "bitnet-quantize": { type: "string" },
  },
});
if (args["bitnet-bench"] && !args["bitnet-quantize"]) throw new Error("--bitnet-bench needs --bitnet-quantize (bitnet.cpp's llama-quantize) to write its I2_S file");
const rounds = Number(args.rounds);
const threadCounts = args.threads!.split(",").map(Number).filter((n) => n <= cpus().length);
/** Each measured setting: a thread count, and whether another process keeps one core busy meanwhile. */
const settings = [...threadCounts.map((threads) => ({ threads, busy: false })), ...(args["skip-busy"] || !threadCounts.includes(2) ? [] : [{ threads: 2, busy: true }])];
const dir = mkdtempSync(join(tmpdir(), "ternc-bench-c-"));
const table: string[] = [];
const profiles: string[] = [];
const peers = [args["llama-bench"] ? "llama.cpp" : undefined, args["bitnet-bench"] ? "bitnet.cpp" : undefined].filter((p): p is string => !!p);
try {
  const readBandwidth = buildReadBandwidth(dir);
  for (const v of VARIANTS.filter((x) => (args.only ? x.key === args.only : !x.onRequest))) {
    const gguf = join(dir, "model.gguf");
    let t = performance.now();
    // Under llama.cpp's architecture name, so every runtime reads this one file (see largeModel.ts).
    writeLargeBitnetGguf(gguf, v.shape, 1, v.embedding, true);
    console.error(`${v.name}: wrote ${(statSync(gguf).size / 1e6).toFixed(0)} MB GGUF in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    const out = join(dir, "c");
    const compiled = compileModel(gguf, out, { target: "c", options: { kernel: "auto", int8Head: v.int8Head }, context: 128 });
    cTarget.build!(out, resolveOptions(cTarget, {}), "release");
    console.error(`  compiled and built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const weights = compiled.emitted.manifest.weights as { bytes: number; constants: Array<{ name: string; layout: string; bytes: number }> };
    const runner = join(out, "ternc-run");
    const ternc: Runtime = {
      name: "ternc",
      // Every weight once; an untied embedding (raw, read one row a token) left out.
      perToken: weights.constants.filter((e) => e.layout !== "raw" || e.bytes > 1 << 20).reduce((a, e) => a + e.bytes, 0),
      async run(threads) {
        const options = resolveOptions(cTarget, { threads });
        const decode = await cTarget.runModel(out, { tokens: Array.from({ length: 8 }, (_, i) => i + 1), maxTokens: 33, context: 128 }, options);
        const prefill = await cTarget.runModel(out, { tokens: Array.from({ length: 64 }, (_, i) => i + 1), maxTokens: 1, context: 128 }, options);
        return { decode: 32 / decode.decodeSeconds, prefill: 64 / prefill.prefillSeconds };
      },
    };
    const runtimes: Runtime[] = [ternc];
    if (args["llama-bench"]) runtimes.push(llamaBench("llama.cpp", args["llama-bench"], gguf));
    if (args["bitnet-bench"]) {
      const i2s = join(dir, "model-i2s.gguf");
      const q = spawnSync(args["bitnet-quantize"]!, ["--allow-requantize", "--token-embedding-type", v.embedding.toLowerCase(), gguf, i2s, "I2_S", "1"], { encoding: "utf8", maxBuffer: 1 << 26 });
      if (q.status !== 0) throw new Error(`bitnet.cpp's llama-quantize failed:\n${q.stderr.slice(-2000)}`);
      runtimes.push(llamaBench("bitnet.cpp", args["bitnet-bench"], i2s));
    }
    for (const { threads, busy } of settings) {
      const rates = new Map<string, Rates>(runtimes.map((r) => [r.name, { decode: [], prefill: [] }]));
      const bandwidth: number[] = [];
      const label = `${threads}${busy ? " + busy" : ""}`;
      for (let round = 0; round < rounds; round++) {
        bandwidth.push(readBandwidth(threads));
        const neighbour = busy ? spawn("sh", ["-c", "while :; do :; done"], { stdio: "ignore" }) : undefined;
        for (const r of runtimes) {
          const got = await r.run(threads);
          rates.get(r.name)!.decode.push(got.decode);
          rates.get(r.name)!.prefill.push(got.prefill);
        }
        neighbour?.kill("SIGKILL");
        console.error(`  ${label} thread(s), round ${round + 1}/${rounds}: ${runtimes.map((r) => `${r.name} ${rates.get(r.name)!.decode.at(-1)!.toFixed(1)}/${rates.get(r.name)!.prefill.at(-1)!.toFixed(1)}`).join(", ")}`);
      }
      const gbs = median(bandwidth);
      const ours = rates.get("ternc")!;
      for (const r of runtimes) {
        const x = rates.get(r.name)!;
        const share = (median(x.decode) * r.perToken) / (gbs * 1e9);
        const vs = peers.map((p) => {
          if (r.name !== "ternc") return "";
          const peer = rates.get(p)!;
          return `${(median(ours.decode) / median(peer.decode)).toFixed(2)}x / ${(median(ours.prefill) / median(peer.prefill)).toFixed(2)}x`;
        });
        table.push(`| ${v.name} | ${label} | ${r.name} | ${median(x.decode).toFixed(1)} (${spread(x.decode)}) | ${median(x.prefill).toFixed(1)} (${spread(x.prefill)}) | ${(r.perToken / 1e6).toFixed(0)} MB | ${(share * 100).toFixed(0)}% of ${gbs.toFixed(1)} GB/s${vs.map((s) => ` | ${s}`).join("")} |`);
        console.error(table.at(-1));
      }
    }
    // Where one decode step goes, by op kind (ternc-run --profile: wall time of each op, 32 steps, 1 and 2 threads).
    for (const threads of threadCounts) {
      const r = spawnSync(runner, ["--weights", join(out, "weights.bin"), "--tokens", "1,2,3,4,5,6,7,8", "--max-tokens", "33", "--context", "128", "--threads", String(threads), "--json", "--profile"], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`ternc-run --profile failed:\n${r.stderr}`);
      const p = JSON.parse(r.stdout) as { decodeSeconds: number; profile: Record<string, number> };
      const kinds = Object.entries(p.profile).sort((a, b) => b[1] - a[1]);
      profiles.push(`${v.name}, ${threads} thread(s), ${((p.decodeSeconds / 32) * 1e3).toFixed(1)} ms a step: ${kinds.map(([k, s]) => `${k} ${((100 * s) / p.decodeSeconds).toFixed(1)}%`).join(", ")}`);
    }
    for (const f of [out, gguf, join(dir, "model-i2s.gguf")]) rmSync(f, { recursive: true, force: true });
  }
  const header = [
    `C backend, ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}; ternc kernel auto, default head; median (range) of ${rounds} interleaved rounds${peers.length ? `; ${[...buildCommits].map(([p, c]) => `${p} ${c}`).join(", ")}` : ""}`,
    "",
    "Threads \"2 + busy\": 2 threads while another process spins on one of the cores. Read per token: the bytes of every weight a decode step reads; decode bandwidth: that times the decode rate, against a read kernel's GB/s measured in the same round.",
    "",
    `| model | threads | runtime | decode tok/s | prefill tok/s | read per token | decode bandwidth${peers.map((p) => ` | ternc vs ${p} (decode / prefill)`).join("")} |`,
    `| --- | --- | --- | --- | --- | --- | ---${peers.map(() => " | ---").join("")} |`,
  ];
  console.log([...header, ...table, "", "Decode time by op kind (ternc-run --profile):", "", ...profiles.map((l) => `- ${l}`)].join("\n"));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
