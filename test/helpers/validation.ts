// What every target's end-to-end validation tests expect of a passing report.
import { expect } from "vitest";
import type { ValidationReport } from "../../src/targets/validate.js";

/** No op diverged, integer results (when the model has them) were compared, logits and 32 greedy tokens agree. */
export function expectModelPass(r: ValidationReport, integer = true): void {
  expect(r.firstMismatch).toBeUndefined();
  if (integer) expect(r.integerTensors).toBeGreaterThan(0);
  else expect(r.checkedTensors).toBeGreaterThan(0);
  expect(r.logits.ok).toBe(true);
  expect(r.tokens.compiled).toEqual(r.tokens.interpreter);
  expect(r.tokens.compiled).toHaveLength(32);
  expect(r.ok).toBe(true);
}
