// Source locations and the error types every IR stage reports through.

/** A position in a textual IR file (1-based line and column). */
export interface SourceLoc {
  file?: string;
  line: number;
  column: number;
}

/** One problem found in a graph or a file, with where it is if known. */
export interface Diagnostic {
  loc?: SourceLoc;
  /** The file a diagnostic without a line concerns (a graph built from a model file has no source lines). */
  file?: string;
  message: string;
}

/** Formats a diagnostic as `file:line:col: message` (the form editors and CI logs understand). */
export function formatDiagnostic(d: Diagnostic, fallbackFile?: string): string {
  const file = d.loc?.file ?? d.file ?? fallbackFile;
  if (d.loc) return `${file ?? "<input>"}:${d.loc.line}:${d.loc.column}: ${d.message}`;
  return file ? `${file}: ${d.message}` : d.message;
}

/**
 * An error in the user's IR (syntax, types, shapes, attributes): the CLI reports it and exits 1.
 * It carries every diagnostic found, not just the first, so one run shows all problems.
 */
export class IrError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
    this.name = "IrError";
    this.diagnostics = diagnostics;
  }
}

/**
 * A problem that only shows when the graph runs with concrete inputs (a token id out of range,
 * an input whose shape does not match its declaration). Also a user error.
 */
export class EvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EvalError";
  }
}
