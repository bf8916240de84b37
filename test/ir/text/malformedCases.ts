// Malformed .tir inputs and the exact diagnostic each must produce (file:line:col: message).
export interface MalformedCase {
  name: string;
  text: string;
  /** `line:col: message` of the first diagnostic. */
  expected: string;
}

const head = "graph @g {\n  input %x : f32[T, 4]\n";

export const MALFORMED: MalformedCase[] = [
  { name: "missing graph keyword", text: "@g {}\n", expected: "1:1: expected 'graph' but found '@g'" },
  { name: "unclosed graph", text: `${head}  output %x\n`, expected: "4:1: expected 'input', 'const', 'output', a value name (%name) or '}' but found the end of the file" },
  { name: "stray character", text: `${head}  %y = silu(%x) $\n  output %y\n}\n`, expected: "3:17: unexpected character '$'" },
  { name: "unterminated string", text: `${head}  const %w : ternary[1, 4] = trits<"+0-0>\n}\n`, expected: "3:36: unterminated string" },
  { name: "missing colon in input", text: "graph @g {\n  input %x f32[4]\n}\n", expected: "2:12: expected ':' but found 'f32'" },
  { name: "unknown element type", text: "graph @g {\n  input %x : f33[4]\n  output %x\n}\n", expected: "2:14: unknown element type 'f33' (expected one of f32, f16, bf16, i8, i32, ternary, q8_0, q6_k)" },
  { name: "negative dimension", text: "graph @g {\n  input %x : f32[-4]\n  output %x\n}\n", expected: "2:18: dimension must be >= 0, got -4" },
  { name: "missing operand list", text: `${head}  %y = silu %x\n}\n`, expected: "3:13: expected '(' but found '%x'" },
  { name: "bad statement start", text: `${head}  silu(%x)\n}\n`, expected: "3:3: expected 'input', 'const', 'output', a value name (%name) or '}' but found 'silu'" },
  { name: "attribute without value", text: `${head}  %y = rmsnorm(%x, %x) {eps = }\n}\n`, expected: "3:31: expected an integer, a float, a string, 'true' or 'false' but found '}'" },
  { name: "wrong trit character", text: `${head}  const %w : ternary[1, 4] = trits<"+0x0">\n  output %x\n}\n`, expected: "3:39: invalid trit 'x' (expected '+', '0' or '-')" },
  { name: "trit row too short", text: `${head}  const %w : ternary[2, 4] = trits<"+0-0", "+0">\n  output %x\n}\n`, expected: "3:44: row 1 has 2 trits, expected 4" },
  { name: "dense data for a q8_0 constant", text: `${head}  const %e : q8_0[1, 32] = dense<1.0>\n  output %x\n}\n`, expected: '3:28: q8_0 constants are written as their raw blocks, blocks<"hex..."> or blob<...>, not dense<...>' },
  { name: "q8_0 blocks of the wrong length", text: `${head}  const %e : q8_0[1, 32] = blocks<"00ff">\n  output %x\n}\n`, expected: "3:35: blocks<...> must hold 34 bytes as 68 lowercase hex digits, got 4 characters" },
  { name: "q6_k rows that are not whole blocks", text: `${head}  const %e : q6_k[2, 128] = blocks<"">\n  output %x\n}\n`, expected: "3:29: q6_k rows are whole blocks of 256, but the shape is [2, 128]" },
  { name: "blocks data for an f32 constant", text: `${head}  const %e : f32[2] = blocks<"">\n  output %x\n}\n`, expected: "3:23: blocks<...> holds q8_0/q6_k blocks, but the constant's type is f32" },
  { name: "dense value count", text: `${head}  const %g : f32[4] = dense<[1.0, 2.0, 3.0]>\n  output %x\n}\n`, expected: "3:23: dense<...> has 3 values, but the shape needs 4" },
  { name: "int constant out of range", text: `${head}  const %c : i8[2] = dense<[1, 300]>\n  output %x\n}\n`, expected: "3:32: 300 is not a valid i8 value (integers in [-128, 127])" },
  { name: "a word in a dense list", text: `${head}  const %c : f32[3] = dense<[1.0, 2.0, x]>\n  output %x\n}\n`, expected: "3:40: expected a number but found 'x'" },
  { name: "a trailing comma in a dense list", text: `${head}  const %c : f32[2] = dense<[1.0, 2.0,]>\n  output %x\n}\n`, expected: "3:39: expected a number but found ']'" },
  { name: "a missing comma in a dense list", text: `${head}  const %c : f32[2] = dense<[1.0 2.0]>\n  output %x\n}\n`, expected: "3:34: expected ',' or ']' but found '2.0'" },
  { name: "a bad number on a later line of a dense list", text: `${head}  const %c : f32[3] = dense<[1.0, // one\n    2.5e, 3.0]>\n  output %x\n}\n`, expected: "4:5: expected a number but found '2.5e'" },
  { name: "a dense list without its ']'", text: `${head}  const %c : f32[2] = dense<[1.0, 2.0>\n  output %x\n}\n`, expected: "3:29: expected an integer, a float or a list of numbers but found '['" },
  { name: "float for an int attribute", text: `${head}  %y = rope(%x, %x) {head_dim = 2.0}\n  output %y\n}\n`, expected: "3:22: attribute 'head_dim' must be an int, got the float 2" },
  { name: "unknown op", text: `${head}  %y = gelu(%x)\n  output %y\n}\n`, expected: "3:8: unknown op 'gelu'" },
  { name: "undefined value", text: `${head}  %y = silu(%z)\n  output %y\n}\n`, expected: "3:8: use of undefined value %z" },
  { name: "shape mismatch", text: `${head}  const %g : f32[8] = dense<1.0>\n  %y = rmsnorm(%x, %g) {eps = 1.0e-5}\n  output %y\n}\n`, expected: "4:8: 'rmsnorm': gain length must equal the last dim of x (8 vs 4)" },
  { name: "missing required attribute", text: `${head}  const %g : f32[4] = dense<1.0>\n  %y = rmsnorm(%x, %g)\n  output %y\n}\n`, expected: "4:8: 'rmsnorm': missing required attribute 'eps' (float: added to the mean square)" },
  { name: "attribute out of range", text: `${head}  const %g : f32[4] = dense<1.0>\n  %y = rmsnorm(%x, %g) {eps = -1.0}\n  output %y\n}\n`, expected: "4:8: 'rmsnorm': attribute 'eps' must be > 0, got -1" },
  { name: "bad enum attribute", text: `${head}  input %p : i32[T]\n  %y = rope(%x, %p) {head_dim = 2, style = "gptj"}\n  output %y\n}\n`, expected: `4:8: 'rope': attribute 'style' must be one of "neox", "interleaved", got "gptj"` },
  { name: "declared type disagrees", text: `${head}  %y = silu(%x) : f32[T, 8]\n  output %y\n}\n`, expected: "3:8: 'silu': result %y is declared f32[T, 8] but the op produces f32[T, 4]" },
  { name: "cycle", text: `${head}  %a = add(%b, %x)\n  %b = add(%a, %x)\n  output %b\n}\n`, expected: "3:8: cycle in the graph: %a (add) -> %b (add) -> %a" },
  { name: "value defined twice", text: `${head}  %y = silu(%x)\n  %y = relu2(%x)\n  output %y\n}\n`, expected: "4:8: value %y is defined more than once (first at line 3)" },
  { name: "undefined output", text: `${head}  output %nope\n}\n`, expected: "3:10: output %nope is not defined" },
  { name: "wrong operand count", text: `${head}  %y = silu(%x, %x)\n  output %y\n}\n`, expected: "3:8: 'silu': expects 1 operands (x), got 2" },
  { name: "ternary weight without scale", text: `${head}  const %w : ternary[2, 4] = trits<"+0-0", "0000">\n  %y = bitlinear(%x, %w)\n  output %y\n}\n`, expected: "4:8: 'bitlinear': a ternary weight needs its scale operand 's' (f32[] or f32[n])" },
  { name: "text after the graph", text: `${head}  output %x\n}\ngraph @h {}\n`, expected: "5:1: unexpected 'graph' after the end of the graph" },
];
