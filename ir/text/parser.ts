// The .tir parser (chevrotain, embedded actions): text to an AST, with file:line:col syntax errors
// that say what was expected.
import { EmbeddedActionsParser, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import { type Diagnostic, IrError } from "../diagnostics.js";
import type { AstAttr, AstAttrValue, AstConstValue, AstDim, AstGraph, AstName, AstNumber, AstStatement, AstType, Pos } from "./ast.js";
import * as T from "./lexer.js";
import { literalValue, NumberList } from "./numberList.js";

function pos(tok: IToken): Pos {
  return { line: tok.startLine ?? 0, column: tok.startColumn ?? 0 };
}

function tokenLabel(t: TokenType): string {
  return t.LABEL ?? t.name;
}

function describe(tok: IToken): string {
  return tok.tokenType.name === "EOF" ? "the end of the file" : `'${tok.image}'`;
}

function alternatives(labels: string[]): string {
  const unique = [...new Set(labels)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  return `${unique.slice(0, -1).join(", ")} or ${unique[unique.length - 1]}`;
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual, ruleName }) => {
    // The statement loop of a graph ends at anything it cannot start with, so name what could start there.
    if (ruleName === "graph" && expected === T.RBrace) {
      return `expected 'input', 'const', 'output', a value name (%name) or '}' but found ${describe(actual)}`;
    }
    return `expected ${tokenLabel(expected)} but found ${describe(actual)}`;
  },
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${describe(firstRedundant)} after the end of the graph`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual }) => {
    const firsts = expectedPathsPerAlt.flatMap((paths) => paths.map((p) => (p[0] ? tokenLabel(p[0]) : "")));
    return `expected ${alternatives(firsts.filter(Boolean))} but found ${describe(actual[0]!)}`;
  },
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) => {
    const firsts = expectedIterationPaths.map((p) => (p[0] ? tokenLabel(p[0]) : ""));
    return `expected at least one ${alternatives(firsts.filter(Boolean))} but found ${describe(actual[0]!)}`;
  },
};

function parseNumber(tok: IToken): AstNumber {
  return { text: tok.image, value: literalValue(tok.image), isFloat: tok.tokenType === T.FloatLiteral, pos: pos(tok) };
}

class TirParser extends EmbeddedActionsParser {
  constructor() {
    super(T.ALL_TOKENS, { errorMessageProvider: messages, recoveryEnabled: false, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  readonly graph = this.RULE("graph", (): AstGraph => {
    const kw = this.CONSUME(T.KwGraph);
    const name = this.CONSUME(T.GraphName);
    this.CONSUME(T.LBrace);
    const statements: AstStatement[] = [];
    this.MANY(() => {
      statements.push(this.SUBRULE(this.statement));
    });
    this.CONSUME(T.RBrace);
    return { name: name.image.slice(1), pos: pos(kw), statements };
  });

  private readonly statement = this.RULE("statement", (): AstStatement => {
    return this.OR([
      { ALT: () => this.SUBRULE(this.inputDecl) },
      { ALT: () => this.SUBRULE(this.constDecl) },
      { ALT: () => this.SUBRULE(this.outputDecl) },
      { ALT: () => this.SUBRULE(this.opStatement) },
    ]);
  });

  private readonly inputDecl = this.RULE("inputDecl", (): AstStatement => {
    const kw = this.CONSUME(T.KwInput);
    const name = this.SUBRULE(this.valueName);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.type);
    return { kind: "input", name, type, pos: pos(kw) };
  });

  private readonly constDecl = this.RULE("constDecl", (): AstStatement => {
    const kw = this.CONSUME(T.KwConst);
    const name = this.SUBRULE(this.valueName);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.type);
    this.CONSUME(T.Equals);
    const value = this.SUBRULE(this.constValue);
    return { kind: "const", name, type, value, pos: pos(kw) };
  });

  private readonly outputDecl = this.RULE("outputDecl", (): AstStatement => {
    const kw = this.CONSUME(T.KwOutput);
    const names: AstName[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => names.push(this.SUBRULE(this.valueName)) });
    return { kind: "output", names, pos: pos(kw) };
  });

  private readonly opStatement = this.RULE("opStatement", (): AstStatement => {
    const results: AstName[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => results.push(this.SUBRULE(this.valueName)) });
    this.CONSUME(T.Equals);
    const opTok = this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    const operands: AstName[] = [];
    this.MANY_SEP({ SEP: T.Comma, DEF: () => operands.push(this.SUBRULE2(this.valueName)) });
    this.CONSUME(T.RParen);
    let attrs: AstAttr[] = [];
    this.OPTION(() => {
      attrs = this.SUBRULE(this.attrDict);
    });
    const types: AstType[] = [];
    this.OPTION2(() => {
      this.CONSUME(T.Colon);
      this.AT_LEAST_ONE_SEP2({ SEP: T.Comma, DEF: () => types.push(this.SUBRULE(this.type)) });
    });
    const op = { name: opTok.image, pos: pos(opTok) };
    return { kind: "op", results, op, operands, attrs, types, pos: this.ACTION(() => results[0]!.pos) ?? op.pos };
  });

  private readonly attrDict = this.RULE("attrDict", (): AstAttr[] => {
    this.CONSUME(T.LBrace);
    const attrs: AstAttr[] = [];
    this.MANY_SEP({ SEP: T.Comma, DEF: () => attrs.push(this.SUBRULE(this.attr)) });
    this.CONSUME(T.RBrace);
    return attrs;
  });

  private readonly attr = this.RULE("attr", (): AstAttr => {
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    const value = this.OR<AstAttrValue>([
      { ALT: () => ({ kind: "int", value: Number(this.CONSUME(T.IntLiteral).image) }) },
      { ALT: () => ({ kind: "float", value: parseNumber(this.CONSUME(T.FloatLiteral)).value }) },
      { ALT: () => ({ kind: "string", value: this.SUBRULE(this.stringValue) }) },
      {
        ALT: () => {
          this.CONSUME(T.KwTrue);
          return { kind: "bool", value: true };
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.KwFalse);
          return { kind: "bool", value: false };
        },
      },
    ]);
    return { name: name.image, value, pos: pos(name) };
  });

  private readonly stringValue = this.RULE("stringValue", (): string => {
    const tok = this.CONSUME(T.StringLiteral);
    return this.ACTION(() => {
      try {
        return JSON.parse(tok.image) as string;
      } catch {
        throw new IrError([{ loc: pos(tok), message: `invalid escape in string ${tok.image}` }]);
      }
    }) as string;
  });

  private readonly constValue = this.RULE("constValue", (): AstConstValue => {
    return this.OR([
      { ALT: () => this.SUBRULE(this.denseValue) },
      { ALT: () => this.SUBRULE(this.tritsValue) },
      { ALT: () => this.SUBRULE(this.blocksValue) },
      { ALT: () => this.SUBRULE(this.blobValue) },
      { ALT: () => this.SUBRULE(this.elidedValue) },
    ]);
  });

  /** What `--elide-constants` prints: readable, but its data is gone, so a file holding it is refused. */
  private readonly elidedValue = this.RULE("elidedValue", (): AstConstValue => {
    const kw = this.CONSUME(T.KwElided);
    this.CONSUME(T.LAngle);
    this.CONSUME(T.StringLiteral);
    this.CONSUME(T.RAngle);
    return this.ACTION(() => {
      throw new IrError([{ loc: pos(kw), message: "this constant's data was elided when the IR was printed (--elide-constants); print without eliding to get text that parses" }]);
    }) as AstConstValue;
  });

  private readonly denseValue = this.RULE("denseValue", (): AstConstValue => {
    const kw = this.CONSUME(T.KwDense);
    this.CONSUME(T.LAngle);
    const value = this.OR([
      { ALT: () => ({ splat: true, tok: this.CONSUME(T.IntLiteral) }) },
      { ALT: () => ({ splat: true, tok: this.CONSUME(T.FloatLiteral) }) },
      { ALT: () => ({ splat: false, tok: this.CONSUME(T.DenseList) }) },
    ]);
    this.CONSUME(T.RAngle);
    const values = this.ACTION(() => (value.splat ? NumberList.ofToken(value.tok) : NumberList.ofListToken(value.tok))) as NumberList;
    return { kind: "dense", splat: value.splat, values, pos: pos(kw) };
  });

  private readonly tritsValue = this.RULE("tritsValue", (): AstConstValue => {
    const kw = this.CONSUME(T.KwTrits);
    this.CONSUME(T.LAngle);
    const rows: Array<{ text: string; pos: Pos }> = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        const tok = this.CONSUME(T.StringLiteral);
        rows.push({ text: tok.image.slice(1, -1), pos: pos(tok) });
      },
    });
    this.CONSUME(T.RAngle);
    return { kind: "trits", rows, pos: pos(kw) };
  });

  private readonly blocksValue = this.RULE("blocksValue", (): AstConstValue => {
    const kw = this.CONSUME(T.KwBlocks);
    this.CONSUME(T.LAngle);
    const tok = this.CONSUME(T.StringLiteral);
    this.CONSUME(T.RAngle);
    return { kind: "blocks", hex: tok.image.slice(1, -1), hexPos: pos(tok), pos: pos(kw) };
  });

  private readonly blobValue = this.RULE("blobValue", (): AstConstValue => {
    const kw = this.CONSUME(T.KwBlob);
    this.CONSUME(T.LAngle);
    const path = this.SUBRULE(this.stringValue);
    this.CONSUME(T.Comma);
    this.CONSUME(T.KwOffset);
    this.CONSUME(T.Equals);
    const offset = this.CONSUME(T.IntLiteral);
    this.CONSUME(T.RAngle);
    return { kind: "blob", path, offset: this.ACTION(() => parseNumber(offset)) as AstNumber, pos: pos(kw) };
  });

  private readonly type = this.RULE("type", (): AstType => {
    const dtype = this.CONSUME(T.Identifier);
    this.CONSUME(T.LBracket);
    const dims: AstDim[] = [];
    this.MANY_SEP({ SEP: T.Comma, DEF: () => dims.push(this.SUBRULE(this.dim)) });
    this.CONSUME(T.RBracket);
    return { dtype: dtype.image, dims, pos: pos(dtype) };
  });

  private readonly dim = this.RULE("dim", (): AstDim => {
    const terms: Array<[number, string | undefined]> = [];
    let first: Pos | undefined;
    this.AT_LEAST_ONE_SEP({
      SEP: T.Plus,
      DEF: () => {
        this.OR([
          {
            ALT: () => {
              const n = this.CONSUME(T.IntLiteral);
              first ??= pos(n);
              let symbol: string | undefined;
              this.OPTION(() => {
                this.CONSUME(T.Star);
                symbol = this.CONSUME(T.Identifier).image;
              });
              terms.push([Number(n.image), symbol]);
            },
          },
          {
            ALT: () => {
              const s = this.CONSUME2(T.Identifier);
              first ??= pos(s);
              terms.push([1, s.image]);
            },
          },
        ]);
      },
    });
    return { terms, pos: first ?? { line: 0, column: 0 } };
  });

  private readonly valueName = this.RULE("valueName", (): AstName => {
    const tok = this.CONSUME(T.ValueName);
    return { name: tok.image.slice(1), pos: pos(tok) };
  });
}

let shared: TirParser | undefined;

/** Parses .tir text to an AST; throws `IrError` with `file:line:col` diagnostics on a syntax error. */
export function parseTirAst(text: string, file?: string): AstGraph {
  const lexed = T.tirLexer.tokenize(text);
  if (lexed.errors.length) {
    const diags: Diagnostic[] = lexed.errors.map((e) => {
      const ch = text.slice(e.offset, e.offset + e.length).slice(0, 1);
      const shown = /^[\x21-\x7e]$/.test(ch) ? `'${ch}'` : `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
      const what = ch === '"' ? "unterminated string" : `unexpected character ${shown}`;
      return { loc: { file, line: e.line ?? 0, column: e.column ?? 0 }, message: what };
    });
    throw new IrError(diags.slice(0, 1));
  }
  shared ??= new TirParser();
  shared.input = lexed.tokens;
  let ast: AstGraph | undefined;
  try {
    ast = shared.graph();
  } catch (e) {
    if (e instanceof IrError) throw new IrError(e.diagnostics.map((d) => ({ ...d, loc: d.loc && { ...d.loc, file } })));
    throw e;
  }
  if (shared.errors.length) {
    const err = shared.errors[0]!;
    const tok = err.token;
    const eof = tok.tokenType.name === "EOF";
    const lastLine = text.split("\n");
    const loc = eof
      ? { file, line: lastLine.length, column: lastLine[lastLine.length - 1]!.length + 1 }
      : { file, line: tok.startLine ?? 0, column: tok.startColumn ?? 0 };
    throw new IrError([{ loc, message: err.message }]);
  }
  return ast!;
}
