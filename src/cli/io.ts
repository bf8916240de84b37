// Where the CLI reads and writes: the process's streams in the ternc executable, buffers in tests. Its own module, so
// the command modules and program.ts (which registers them) do not import each other.

/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal: progress shows there unless --no-progress. */
  stderrIsTerminal?: boolean;
  /** The lines of stdin, read as they come (ternc chat); absent where there is no input. */
  readLines?: () => AsyncIterable<string>;
  /** Whether stdin is a terminal (chat then prompts with "> "). */
  stdinIsTerminal?: boolean;
}
