// The error a backend raises for a graph or an option it cannot handle: a user error naming the value or option.

/** A problem with the user's graph or options that a backend found; `where` names the value, op or option. */
export class BackendError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = "BackendError";
  }
}
