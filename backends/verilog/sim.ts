// Building and running the co-simulation testbench: `make iverilog` or `make verilator`, then one simulator process
// per run that serves every product through two FIFOs (commands in, results out). Node reads and writes them
// synchronously (non-blocking descriptors, short sleeps), so the interpreter can call the core like a function.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendError } from "../common/index.js";
import type { Simulator } from "./options.js";
import { writeSynthesisReport } from "./synth.js";

/** The simulator binary each tool's build leaves, relative to the build folder. */
export const SIM_BINARY: Record<Simulator, string> = { iverilog: "sim/ternc.vvp", verilator: "sim/obj/Vtb_ternc" };

function need(tool: string): void {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) throw new BackendError(tool, "is not installed: run scripts/install-toolchains.sh (Debian: apt-get install iverilog verilator)");
}

/**
 * Builds the testbench simulator. A `check` build also lints the synthesizable RTL with every Verilator warning on and
 * refuses iverilog warnings. With `synth`, also synthesizes the core (synthesis.json).
 */
export function buildSimulator(dir: string, simulator: Simulator, mode: "release" | "check", synth = false): void {
  need("make");
  need(simulator);
  const run = (target: string): string => {
    const r = spawnSync("make", ["-s", "-C", dir, target], { encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.error || r.status !== 0) throw new BackendError(dir, `make ${target} failed:\n${(r.stderr || r.stdout || r.error?.message || "").trim()}`);
    return `${r.stdout}${r.stderr}`;
  };
  if (mode === "check") {
    need("verilator");
    run("lint");
  }
  const out = run(simulator);
  if (mode === "check" && simulator === "iverilog" && /warning|sorry/i.test(out)) throw new BackendError(dir, `iverilog warned:\n${out.trim()}`);
  if (synth) {
    need("yosys");
    run("synth");
    writeSynthesisReport(dir);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number): void => void Atomics.wait(sleeper, 0, 0, ms);

/** Whether process `pid` is still running (not exited, not a zombie). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/**
 * A simulator process serving the testbench's two FIFOs, commands in and results out, to whoever talks to them: ternc
 * itself (SimSession) or the C host's client (the paths go into its environment).
 */
export class SimProcess {
  readonly work: string;
  readonly cmd: string;
  readonly out: string;
  private readonly child: ChildProcess;
  private readonly log: string;

  constructor(
    private readonly dir: string,
    private readonly simulator: Simulator,
  ) {
    const binary = join(dir, SIM_BINARY[simulator]);
    if (!existsSync(binary)) throw new BackendError(dir, `no ${simulator} build here (${SIM_BINARY[simulator]}); build it first (make -C ${dir} ${simulator})`);
    this.work = mkdtempSync(join(tmpdir(), "ternc-cosim-"));
    this.cmd = join(this.work, "cmd");
    this.out = join(this.work, "out");
    this.log = join(this.work, "log");
    const made = spawnSync("mkfifo", [this.cmd, this.out]);
    if (made.status !== 0) throw new BackendError(this.work, `mkfifo failed: ${made.stderr?.toString() ?? ""}`);
    const logFd = openSync(this.log, "w");
    const argv = simulator === "iverilog" ? ["vvp", ["-n", binary, `+cmd=${this.cmd}`, `+out=${this.out}`]] : [binary, [`+cmd=${this.cmd}`, `+out=${this.out}`]];
    this.child = spawn(argv[0] as string, argv[1] as string[], { cwd: dir, stdio: ["ignore", logFd, logFd] });
    closeSync(logFd);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  running(): boolean {
    return this.child.pid !== undefined && alive(this.child.pid);
  }

  /** An error about the simulation, with what the simulator printed. */
  failure(what: string): BackendError {
    const log = existsSync(this.log) ? readFileSync(this.log, "utf8").trim() : "";
    return new BackendError(this.dir, `the ${this.simulator} simulation ${what}${log ? `:\n${log}` : ""}`);
  }

  /** Waits up to `waitMs` for the simulator to exit; true when it has. */
  exited(waitMs: number): boolean {
    const deadline = Date.now() + waitMs;
    while (this.running() && Date.now() < deadline) sleep(2);
    return !this.running();
  }

  /** Waits up to `waitMs` for the simulator to finish (it stops at command -1), then kills it and removes the FIFOs. */
  close(waitMs: number): void {
    try {
      if (!this.exited(waitMs)) this.child.kill("SIGKILL");
    } finally {
      rmSync(this.work, { recursive: true, force: true });
    }
  }
}

/** ternc's end of a simulator: it writes commands and reads results itself, synchronously. */
export class SimSession {
  private readonly sim: SimProcess;
  private readonly outFd: number;
  private cmdFd = -1;
  private pending = "";

  constructor(
    dir: string,
    simulator: Simulator,
    private readonly timeoutMs = 300_000,
  ) {
    this.sim = new SimProcess(dir, simulator);
    // Ours without waiting (the testbench's open for writing then returns); the commands once the testbench reads them.
    this.outFd = openSync(this.sim.out, constants.O_RDONLY | constants.O_NONBLOCK);
    const deadline = Date.now() + this.timeoutMs;
    try {
      while (this.cmdFd < 0) {
        try {
          this.cmdFd = openSync(this.sim.cmd, constants.O_WRONLY | constants.O_NONBLOCK);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENXIO") throw e;
          this.checkRunning(deadline, "starting");
          sleep(1);
        }
      }
    } catch (e) {
      // A simulator that never took commands: nothing of it stays behind (the process, the FIFOs).
      closeSync(this.outFd);
      this.sim.close(0);
      throw e;
    }
  }

  private checkRunning(deadline: number, doing: string): void {
    if (!this.sim.running()) throw this.sim.failure(`stopped while ${doing}`);
    if (Date.now() > deadline) throw this.sim.failure(`took more than ${this.timeoutMs / 1000} s ${doing}`);
  }

  private write(text: string): void {
    const bytes = Buffer.from(text);
    const deadline = Date.now() + this.timeoutMs;
    let done = 0;
    while (done < bytes.length) {
      try {
        done += writeSync(this.cmdFd, bytes, done, bytes.length - done);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EPIPE") throw this.sim.failure("stopped reading commands");
        if (code !== "EAGAIN") throw e;
        this.checkRunning(deadline, "taking a command");
        sleep(1);
      }
    }
  }

  /** Lines up to and including the first `c CYCLES` line. */
  private readAnswer(): string[] {
    const deadline = Date.now() + this.timeoutMs;
    const buf = Buffer.alloc(1 << 16);
    for (;;) {
      const end = this.pending.search(/^c \d+\n/m);
      if (end >= 0) {
        const stop = this.pending.indexOf("\n", end) + 1;
        const lines = this.pending.slice(0, stop - 1).split("\n");
        this.pending = this.pending.slice(stop);
        return lines;
      }
      let n = 0;
      try {
        n = readSync(this.outFd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      }
      if (n > 0) this.pending += buf.toString("latin1", 0, n);
      else {
        this.checkRunning(deadline, "computing a product");
        sleep(n === 0 ? 1 : 0);
      }
    }
  }

  /**
   * One token through layer `layer`: `words` are its activation words (hex, one per input fold). Returns each output
   * row's accumulator and requantized value (decimal text, as the testbench printed them) and the cycles it took.
   */
  token(layer: number, words: readonly string[]): { rows: Array<[string, string]>; cycles: number } {
    this.write(`${layer}\n${words.join("\n")}\n`);
    const lines = this.readAnswer();
    const cycles = Number(lines.pop()!.slice(2));
    return { rows: lines.map((l) => l.split(" ") as [string, string]), cycles };
  }

  close(): void {
    try {
      if (this.cmdFd >= 0) {
        try {
          this.write("-1\n");
        } catch {
          // it has stopped already
        }
        closeSync(this.cmdFd);
      }
      this.sim.close(5000);
    } finally {
      closeSync(this.outFd);
    }
  }
}
