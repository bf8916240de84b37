// The numbers of a dense<...> constant, read straight from the text into typed arrays. A list of two million
// numbers made two million lexer tokens and AST objects (a 20 MB file took 1.4 GB); here it is one token whose
// numbers cost 13 bytes each, and the text and position of a number are recomputed only for an error message.
import type { IToken } from "chevrotain";
import { IrError } from "../diagnostics.js";
import type { Pos } from "./pos.js";

/** The literal forms, shared by the lexer's tokens and the list scanner so that both accept the same numbers. */
export const FLOAT_LITERAL_SOURCE = String.raw`-?(?:\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|inf)|nan`;
export const INT_LITERAL_SOURCE = String.raw`-?\d+`;

const FLOAT_AT = new RegExp(FLOAT_LITERAL_SOURCE, "y");
const INT_AT = new RegExp(INT_LITERAL_SOURCE, "y");
// A number must end where an identifier could not go on (the lexer's longer_alt: `1.5x` is not a number).
const WORD_CHAR = /[A-Za-z0-9_.]/;

function numberAt(text: string, at: number): { text: string; isFloat: boolean } | undefined {
  for (const [re, isFloat] of [[FLOAT_AT, true], [INT_AT, false]] as const) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m && !WORD_CHAR.test(text[at + m[0].length] ?? "")) return { text: m[0], isFloat };
  }
  return undefined;
}

/** The value of one literal as the lexer reads it. */
export function literalValue(text: string): number {
  return text === "nan" ? NaN : text === "inf" ? Infinity : text === "-inf" ? -Infinity : Number(text);
}

/** Skips white space and `//` comments from `at`; returns the next offset. */
function skipBlank(text: string, at: number, end: number): number {
  while (at < end) {
    const c = text.charCodeAt(at);
    if (c === 32 || c === 9 || c === 10 || c === 13) at++;
    else if (c === 47 && text.charCodeAt(at + 1) === 47) {
      const nl = text.indexOf("\n", at);
      at = nl < 0 || nl > end ? end : nl;
    } else break;
  }
  return at;
}

/** The numbers of a constant: one for a splat, every element for a list. */
export class NumberList {
  private constructor(
    private readonly source: string,
    private readonly startPos: Pos,
    readonly values: Float64Array,
    private readonly floats: Uint8Array,
    private readonly offsets: Uint32Array,
  ) {}

  get length(): number {
    return this.values.length;
  }

  /** Whether number i was written as a float (a point, an exponent, inf or nan). */
  isFloat(i: number): boolean {
    return this.floats[i] === 1;
  }

  /** Number i as written. */
  text(i: number): string {
    return numberAt(this.source, this.offsets[i]!)!.text;
  }

  /** Where number i starts in the file. */
  pos(i: number): Pos {
    return positionAt(this.source, this.startPos, this.offsets[i]!);
  }

  /** One literal token (a splat). */
  static ofToken(tok: IToken): NumberList {
    const isFloat = !/^-?\d+$/.test(tok.image);
    return new NumberList(tok.image, tokenPos(tok), Float64Array.of(literalValue(tok.image)), Uint8Array.of(isFloat ? 1 : 0), Uint32Array.of(0));
  }

  /** A `[n, n, ...]` token (see {@link denseListEnd}), scanned into numbers; a malformed one fails at its first fault. */
  static ofListToken(tok: IToken): NumberList {
    const text = tok.image;
    const startPos = tokenPos(tok);
    const fail = (at: number, what: string): never => {
      const p = positionAt(text, startPos, at);
      const word = /^[^\s,\]]+/.exec(text.slice(at, at + 24))?.[0] ?? text[at];
      const found = word === undefined ? "the end of the list" : `'${word}'`;
      throw new IrError([{ loc: { line: p.line, column: p.column }, message: `expected ${what} but found ${found}` }]);
    };
    // Values are counted first, so each array is allocated once at its final size.
    const count = scanList(text, fail);
    const values = new Float64Array(count);
    const floats = new Uint8Array(count);
    const offsets = new Uint32Array(count);
    let i = 0;
    scanList(text, fail, (at, n) => {
      values[i] = literalValue(n.text);
      floats[i] = n.isFloat ? 1 : 0;
      offsets[i] = at;
      i++;
    });
    return new NumberList(text, startPos, values, floats, offsets);
  }
}

function tokenPos(tok: IToken): Pos {
  return { line: tok.startLine ?? 0, column: tok.startColumn ?? 0 };
}

function positionAt(text: string, startPos: Pos, at: number): Pos {
  let line = startPos.line;
  let column = startPos.column;
  for (let k = 0; k < at; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

/**
 * Walks a list token `[ n (, n)* ]` (or `[]`): calls `each` with every number and its offset, and `fail` (which
 * throws) at the first fault. Returns the count.
 */
function scanList(text: string, fail: (at: number, what: string) => never, each?: (at: number, n: { text: string; isFloat: boolean }) => void): number {
  const end = text.length;
  let at = skipBlank(text, 1, end);
  let count = 0;
  if (text[at] === "]") return count;
  for (;;) {
    const n = numberAt(text, at);
    if (!n) return fail(at, count === 0 ? "a number or ']'" : "a number");
    each?.(at, n);
    count++;
    at = skipBlank(text, at + n.text.length, end);
    if (text[at] === "]") return count;
    if (text[at] !== ",") return fail(at, "',' or ']'");
    at = skipBlank(text, at + 1, end);
  }
}

/**
 * Where the dense list opening at `offset` ends (after its `]`): the first `]` outside a comment, so that a malformed
 * list still becomes one token and the scanner can name its faulty number. Undefined without any `]`, which leaves
 * the `[` to the ordinary tokens and the parser's message.
 */
export function denseListEnd(text: string, offset: number): number | undefined {
  let at = offset + 1;
  for (;;) {
    at = skipBlank(text, at, text.length);
    if (at >= text.length) return undefined;
    if (text.charCodeAt(at) === 93 /* ] */) return at + 1;
    at++;
  }
}
