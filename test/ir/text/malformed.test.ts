// Malformed .tir input: each case gives one precise `file:line:col: message`, through the library
// and through `ternc check` (exit code 1, no stack trace).
import { describe, expect, it } from "vitest";
import { formatDiagnostic, IrError, loadTir } from "../../../ir/index.js";
import { MALFORMED } from "./malformedCases.js";

describe("malformed textual IR", () => {
  it("has at least 15 distinct cases", () => {
    expect(new Set(MALFORMED.map((c) => c.expected)).size).toBeGreaterThanOrEqual(15);
  });

  for (const c of MALFORMED) {
    it(c.name, () => {
      let error: unknown;
      try {
        loadTir(c.text, "bad.tir");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(IrError);
      expect(formatDiagnostic((error as IrError).diagnostics[0]!)).toBe(`bad.tir:${c.expected}`);
    });
  }

  it("reports every semantic problem of a file, not just the first", () => {
    const text = "graph @g {\n  input %x : f32[4]\n  %a = silu(%nope)\n  %b = gelu(%x)\n  output %a, %b\n}\n";
    const diags = (() => {
      try {
        loadTir(text, "two.tir");
        return [];
      } catch (e) {
        return (e as IrError).diagnostics.map((d) => formatDiagnostic(d));
      }
    })();
    expect(diags).toEqual(["two.tir:3:8: use of undefined value %nope", "two.tir:4:8: unknown op 'gelu'"]);
  });
});
