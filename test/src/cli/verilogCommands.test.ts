// The Verilog target from the command line, through the real executable: compile writes the RTL, memories,
// testbench, Makefile, report and the host (a C program, or the host graph) and the Makefiles build and lint them;
// run --backend verilog gives the interpreter's tokens on the bundled model with the host in C; a host program run
// without its simulator says so; bad folding options are refused naming the flag.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, ternc } from "../../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-verilog-cli-"));
const example = join(ROOT, "examples/tiny-bitnet.gguf");
const env = { ...process.env, TERNC_CACHE_DIR: join(dir, "cache") };

describe("ternc compile --target verilog", () => {
  it("writes the core, its memories, a testbench and Makefile, report.json and the C host program", () => {
    const out = join(dir, "tiny-rtl");
    const r = ternc(["compile", example, "--target", "verilog", "-o", out, "--clock-mhz", "250", "--mem-gbps", "12.8"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/14 ternary products and 8 activation quantizers in RTL; \d+ cycles per token \(cycle model\): [\d.]+ tokens\/s at 250 MHz/);
    for (const f of ["rtl/ternc_lane.sv", "rtl/ternc_mvu.sv", "rtl/ternc_requant.sv", "rtl/ternc_act_quant.sv", "rtl/ternc_top.sv", "tb/tb_ternc.sv", "Makefile", "mem/l0_w.hex", "mem/l13_w.hex", "host/model.c", "host/core_client.c", "host/core_table.h", "host/weights.bin", "host/Makefile", "report.json", "manifest.json"]) expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, "host.tir"))).toBe(false);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.clockMhz).toBe(250);
    expect(report.layers).toHaveLength(14);
    const cycles = (units: Array<{ cyclesPerToken: number }>): number => units.reduce((s, l) => s + l.cyclesPerToken, 0);
    expect(report.activationQuantizers).toHaveLength(8);
    expect(report.model.cyclesPerToken).toBe(cycles(report.layers) + cycles(report.activationQuantizers));
    const make = spawnSync("make", ["-s", "-C", out, "lint", "iverilog"], { encoding: "utf8" });
    expect(make.status, make.stderr).toBe(0);
    expect(existsSync(join(out, "sim/ternc.vvp"))).toBe(true);
    // The host program builds with its Makefile; run without ternc it has no simulator, and says how to run it.
    const host = spawnSync("make", ["-s", "-C", join(out, "host"), "ternc-run"], { encoding: "utf8" });
    expect(host.status, host.stderr).toBe(0);
    const alone = spawnSync(join(out, "host/ternc-run"), ["--weights", join(out, "host/weights.bin"), "--tokens", "1,2"], { encoding: "utf8" });
    expect(alone.status).toBe(1);
    expect(alone.stderr).toMatch(/%blk\.0\.q\.xq \(act_quant_fixed\): the op hook failed: no simulated core to talk to: run this build with ternc run or ternc validate/);
  });

  it("--host interpreter writes the host graph and its weights instead", () => {
    const out = join(dir, "tiny-rtl-interp");
    const r = ternc(["compile", example, "--target", "verilog", "-o", out, "--host", "interpreter"]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ["host.tir", "weights.bin"]) expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, "host"))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).details.host).toEqual({ kind: "interpreter", graph: "host.tir", weights: "weights.bin" });
  });

  it("refuses a folding wider than the core allows, naming the flag", () => {
    const r = ternc(["compile", example, "--target", "verilog", "-o", join(dir, "x"), "--lanes", "1000"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--lanes: 1000: at most 256/);
    expect(existsSync(join(dir, "x"))).toBe(false);
  });
});

describe("ternc run --backend verilog", () => {
  it("gives the interpreter's tokens on the bundled model, the host in C and every product computed by the simulated core", () => {
    const interp = ternc(["run", example, "--tokens", "4,8,15,16", "--max-tokens", "10", "--json"]);
    const v = spawnSync(process.execPath, [join(ROOT, "dist/src/cli/main.js"), "run", example, "--backend", "verilog", "--tokens", "4,8,15,16", "--max-tokens", "10", "--json"], { encoding: "utf8", env });
    expect(v.status, v.stderr).toBe(0);
    const result = JSON.parse(v.stdout);
    expect(result.generated).toEqual(JSON.parse(interp.stdout).generated);
    expect(result.simulator).toBe("verilator");
    expect(result.threads).toBe(1); // the C host's runner (the simulator has the other cores)
    expect(result.isa).toMatch(/avx|neon|portable/);
    // A command per product and per activation quantization, each token: 4 prompt tokens, then 9 decode steps.
    expect(result.commands).toBe((14 + 8) * (4 + 9));
  });
});
