// A place in .tir text, shared by the lexer-level number scanner and the syntax tree.

export interface Pos {
  line: number;
  column: number;
}
