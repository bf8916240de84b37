// The syntax tree the .tir parser produces, before names and types are resolved into a Graph.
import type { NumberList } from "./numberList.js";
import type { Pos } from "./pos.js";

export type { Pos };

export interface AstDim {
  /** [coefficient, symbol]; an undefined symbol is a constant term. */
  terms: Array<[number, string | undefined]>;
  pos: Pos;
}

export interface AstType {
  dtype: string;
  dims: AstDim[];
  pos: Pos;
}

export interface AstNumber {
  text: string;
  value: number;
  isFloat: boolean;
  pos: Pos;
}

export type AstConstValue =
  | { kind: "dense"; splat: boolean; values: NumberList; pos: Pos }
  | { kind: "trits"; rows: Array<{ text: string; pos: Pos }>; pos: Pos }
  | { kind: "blocks"; hex: string; hexPos: Pos; pos: Pos }
  | { kind: "blob"; path: string; offset: AstNumber; pos: Pos };

export type AstAttrValue =
  | { kind: "int"; value: number }
  | { kind: "float"; value: number }
  | { kind: "string"; value: string }
  | { kind: "bool"; value: boolean };

export interface AstAttr {
  name: string;
  value: AstAttrValue;
  pos: Pos;
}

export interface AstName {
  name: string;
  pos: Pos;
}

export type AstStatement =
  | { kind: "input"; name: AstName; type: AstType; pos: Pos }
  | { kind: "const"; name: AstName; type: AstType; value: AstConstValue; pos: Pos }
  | { kind: "op"; results: AstName[]; op: AstName; operands: AstName[]; attrs: AstAttr[]; types: AstType[]; pos: Pos }
  | { kind: "output"; names: AstName[]; pos: Pos };

export interface AstGraph {
  name: string;
  pos: Pos;
  statements: AstStatement[];
}
