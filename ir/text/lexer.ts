// Tokens of the textual IR (.tir).
import { createToken, type IToken, Lexer, type TokenType } from "chevrotain";
import { denseListEnd, FLOAT_LITERAL_SOURCE, INT_LITERAL_SOURCE } from "./numberList.js";

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /\/\/[^\n]*/, group: Lexer.SKIPPED });

// Dotted names (`plan.buffer`) are discardable attributes, namespaced as in MLIR.
export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/, label: "an identifier" });

function keyword(word: string): TokenType {
  return createToken({ name: `Kw_${word}`, pattern: new RegExp(word), longer_alt: Identifier, label: `'${word}'` });
}

export const KwGraph = keyword("graph");
export const KwInput = keyword("input");
export const KwConst = keyword("const");
export const KwOutput = keyword("output");
export const KwDense = keyword("dense");
export const KwTrits = keyword("trits");
export const KwBlob = keyword("blob");
export const KwBlocks = keyword("blocks");
export const KwElided = keyword("elided");
export const KwOffset = keyword("offset");
export const KwTrue = keyword("true");
export const KwFalse = keyword("false");

export const ValueName = createToken({ name: "ValueName", pattern: /%[A-Za-z0-9_.]+/, label: "a value name (%name)" });
export const GraphName = createToken({ name: "GraphName", pattern: /@[A-Za-z0-9_.]+/, label: "a graph name (@name)" });
export const FloatLiteral = createToken({
  name: "FloatLiteral",
  pattern: new RegExp(FLOAT_LITERAL_SOURCE),
  longer_alt: Identifier,
  label: "a float",
});
export const IntLiteral = createToken({ name: "IntLiteral", pattern: new RegExp(INT_LITERAL_SOURCE), label: "an integer" });
export const StringLiteral = createToken({ name: "StringLiteral", pattern: /"(?:[^"\\\n]|\\.)*"/, label: "a string" });

/** The `[...]` of `dense<[...]>` as one token: a constant of millions of numbers must not become millions of tokens. */
export const DenseList = createToken({
  name: "DenseList",
  pattern: {
    exec: (text: string, offset: number, tokens: IToken[]): [string] | null => {
      const n = tokens.length;
      if (text.charCodeAt(offset) !== 91 || n < 2 || tokens[n - 1]!.tokenType !== LAngle || tokens[n - 2]!.tokenType !== KwDense) return null;
      const end = denseListEnd(text, offset);
      return end === undefined ? null : [text.slice(offset, end)];
    },
  },
  line_breaks: true,
  start_chars_hint: ["["],
  label: "a list of numbers",
});

export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /]/, label: "']'" });
export const LBrace = createToken({ name: "LBrace", pattern: /{/, label: "'{'" });
export const RBrace = createToken({ name: "RBrace", pattern: /}/, label: "'}'" });
export const LAngle = createToken({ name: "LAngle", pattern: /</, label: "'<'" });
export const RAngle = createToken({ name: "RAngle", pattern: />/, label: "'>'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });
export const Equals = createToken({ name: "Equals", pattern: /=/, label: "'='" });
export const Plus = createToken({ name: "Plus", pattern: /\+/, label: "'+'" });
export const Star = createToken({ name: "Star", pattern: /\*/, label: "'*'" });

/** Order matters: comments before anything else, keywords and floats before identifiers, floats before ints. */
export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  Comment,
  ValueName,
  GraphName,
  StringLiteral,
  FloatLiteral,
  IntLiteral,
  KwGraph,
  KwInput,
  KwConst,
  KwOutput,
  KwDense,
  KwTrits,
  KwBlocks,
  KwElided,
  KwBlob,
  KwOffset,
  KwTrue,
  KwFalse,
  Identifier,
  LParen,
  RParen,
  DenseList,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  LAngle,
  RAngle,
  Comma,
  Colon,
  Equals,
  Plus,
  Star,
];

export const tirLexer = new Lexer(ALL_TOKENS, { positionTracking: "full", ensureOptimizations: false });
