// The runner protocol's asynchronous start (runRunnerAsync): lines as they come, the last one as the result, and each
// way a run can end badly: the runner fails, a listener throws, the runner hangs, the program is missing.
import { describe, expect, it } from "vitest";
import { BackendError, runRunnerAsync } from "../../../backends/common/index.js";

// "--" ends node's own options: the protocol's --json goes to the script.
const node = (script: string) => ({ dir: "build", command: [process.execPath, "-e", script, "--"], args: [] });

describe("runRunnerAsync", () => {
  it("tells each line as it comes and returns the last one as JSON", async () => {
    const lines: string[] = [];
    const json = await runRunnerAsync(node('console.log("token 1"); console.log("token 2"); console.log(JSON.stringify({ generated: [1, 2] }))'), (l) => lines.push(l));
    expect(lines).toEqual(["token 1", "token 2", '{"generated":[1,2]}']);
    expect(json).toEqual({ generated: [1, 2] });
  });
  it("a failing runner is a BackendError with its own message", async () => {
    await expect(runRunnerAsync(node('process.stderr.write("runner: bad weights\\n"); process.exit(1)'))).rejects.toThrow(/the compiled model failed: runner: bad weights/);
  });
  it("a listener that throws stops the run, and its own error is the result", async () => {
    const boom = new Error("the listener failed");
    let calls = 0;
    const run = runRunnerAsync(node('for (let i = 0; i < 5; i++) console.log("token " + i); setTimeout(() => {}, 5000)'), () => {
      calls++;
      throw boom;
    });
    await expect(run).rejects.toBe(boom);
    expect(calls).toBe(1);
  });
  it("a runner past its time limit is stopped and says so", async () => {
    await expect(runRunnerAsync(node("setTimeout(() => {}, 10000)"), undefined, 300)).rejects.toThrow(/timed out after 0.3 s/);
  });
  it("a program that cannot start names itself", async () => {
    const r = runRunnerAsync({ dir: "build", command: ["/nonexistent/ternc-run"], args: [] });
    await expect(r).rejects.toBeInstanceOf(BackendError);
    await expect(r).rejects.toThrow(/running \/nonexistent\/ternc-run: spawn \/nonexistent\/ternc-run ENOENT/);
  });
});
