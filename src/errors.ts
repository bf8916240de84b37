// Errors the driver reports to users (exit code 1), as opposed to ternc's own bugs (exit code 2).
import { AbiError, EvalError, IrError } from "../ir/index.js";
import { BackendError } from "../backends/common/index.js";
import { TokenizerError } from "./frontend/tokenizer/tokenizer.js";

/** A problem with the user's files or options, reported without a stack trace. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

/** True for errors caused by the user's input rather than by ternc itself. */
export function isUserError(e: unknown): e is Error {
  return e instanceof UserError || e instanceof IrError || e instanceof EvalError || e instanceof BackendError || e instanceof AbiError || e instanceof TokenizerError;
}
