// Progress on stderr for work that takes more than a moment (import, compile, validate, run): one line rewritten in
// place on a terminal; on anything else (--progress into a log), a line now and then, the first and the last always.
import type { CliIo } from "./io.js";

/** How often a non-terminal gets a progress line. */
const LOG_INTERVAL_MS = 1000;

export interface Progress {
  /** The current state, e.g. `import: 12/24 constants, 3.1 MiB`; `last` marks the final update of a stage. */
  update(text: string, last?: boolean): void;
  /** Ends the progress display (a terminal's line is finished, so later output starts on its own line). */
  end(): void;
}

/**
 * A progress display for `command`, or undefined when none is wanted: `flag` is --progress (true) or --no-progress
 * (false); without either, progress shows when stderr is a terminal.
 */
export function progressFor(io: CliIo, command: string, flag: boolean | undefined): Progress | undefined {
  if (!(flag ?? io.stderrIsTerminal ?? false)) return undefined;
  const terminal = io.stderrIsTerminal === true;
  let lastLine = 0;
  let pending = false;
  return {
    update(text, last = false) {
      if (terminal) {
        io.stderr(`\r\x1b[K${command}: ${text}`);
        pending = true;
        return;
      }
      const now = Date.now();
      if (last || lastLine === 0 || now - lastLine >= LOG_INTERVAL_MS) {
        io.stderr(`${command}: ${text}\n`);
        lastLine = now;
      }
    },
    end() {
      if (terminal && pending) io.stderr("\r\x1b[K");
      pending = false;
    },
  };
}
