// C string literals in generated code (names and attributes the IR allows): whatever the text, the literal compiles
// under -std=c11 (which reads trigraphs) and holds exactly the text's UTF-8 bytes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { cString } from "../../../backends/c/emitter.js";

it("cString escapes quotes, backslashes, trigraphs, control characters and non-ASCII, and C reads back the same bytes", () => {
  const texts = ['plain', 'a"b\\c', "??=??/??'", "tab\tnew\nline\u0001", "é中🙂", '{"eps":0.00001}'];
  expect(cString('a"b')).toBe('"a\\"b"');
  expect(cString("??=")).toBe('"\\?\\?="');
  expect(cString("\u0001é")).toBe('"\\001\\303\\251"');
  const dir = mkdtempSync(join(tmpdir(), "ternc-c-string-"));
  const source = `#include <stdio.h>\nint main(void) {\n${texts.map((t) => `  fputs(${cString(t)}, stdout); putchar(0);`).join("\n")}\n  return 0;\n}\n`;
  writeFileSync(join(dir, "s.c"), source);
  const cc = spawnSync("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-o", join(dir, "s"), join(dir, "s.c")], { encoding: "utf8" });
  expect(cc.status, cc.stderr).toBe(0);
  const out = spawnSync(join(dir, "s"));
  expect(out.stdout).toEqual(Buffer.concat(texts.map((t) => Buffer.concat([Buffer.from(t, "utf8"), Buffer.from([0])]))));
});
