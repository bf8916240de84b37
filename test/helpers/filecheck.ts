// A small FileCheck (LLVM) for golden IR tests: CHECK, CHECK-NEXT, CHECK-NOT and CHECK-LABEL lines,
// each a literal substring with optional {{regex}} parts, matched in order against the output.

export interface CheckLine {
  kind: "CHECK" | "CHECK-NEXT" | "CHECK-NOT" | "CHECK-LABEL";
  pattern: string;
  line: number;
}

/** The check directives of a test file (`// CHECK: ...`). */
export function parseChecks(text: string): CheckLine[] {
  const out: CheckLine[] = [];
  text.split("\n").forEach((l, i) => {
    const m = /\/\/\s*(CHECK(?:-NEXT|-NOT|-LABEL)?):\s?(.*)$/.exec(l);
    if (m) out.push({ kind: m[1] as CheckLine["kind"], pattern: m[2]!.trimEnd(), line: i + 1 });
  });
  return out;
}

function toRegex(pattern: string): RegExp {
  const parts = pattern.split(/(\{\{.*?\}\})/);
  const src = parts.map((p) => (p.startsWith("{{") && p.endsWith("}}") ? `(?:${p.slice(2, -2)})` : p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("");
  return new RegExp(src);
}

/** Checks `output` against the directives; returns undefined if it matches, else what failed and where. */
export function fileCheck(output: string, checks: readonly CheckLine[]): string | undefined {
  const lines = output.split("\n");
  let pos = 0; // index of the first line not yet consumed
  let lastMatch = -1;
  let pendingNot: CheckLine[] = [];
  const failNot = (from: number, to: number): string | undefined => {
    for (const n of pendingNot) {
      for (let i = from; i < to; i++) if (toRegex(n.pattern).test(lines[i]!)) return `line ${n.line}: CHECK-NOT: '${n.pattern}' found at output line ${i + 1}: ${lines[i]}`;
    }
    return undefined;
  };
  for (const c of checks) {
    if (c.kind === "CHECK-NOT") {
      pendingNot.push(c);
      continue;
    }
    const re = toRegex(c.pattern);
    let found = -1;
    if (c.kind === "CHECK-NEXT") {
      if (lastMatch + 1 < lines.length && re.test(lines[lastMatch + 1]!)) found = lastMatch + 1;
      if (found < 0) return `line ${c.line}: CHECK-NEXT: '${c.pattern}' is not on the line after the previous match (${lines[lastMatch + 1] ?? "end of output"})`;
    } else {
      for (let i = pos; i < lines.length; i++) {
        if (re.test(lines[i]!)) {
          found = i;
          break;
        }
      }
      if (found < 0) return `line ${c.line}: ${c.kind}: '${c.pattern}' not found after output line ${pos}`;
    }
    const notFail = failNot(pos, found);
    if (notFail) return notFail;
    pendingNot = [];
    lastMatch = found;
    pos = found + 1;
  }
  return failNot(pos, lines.length);
}
