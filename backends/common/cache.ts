// Where ternc keeps what it can make again: compiled models for `ternc run --backend`, compiled runtime objects.
import { homedir } from "node:os";
import { join } from "node:path";

/** The cache folder: $TERNC_CACHE_DIR, $XDG_CACHE_HOME/ternc, or ~/.cache/ternc. */
export function cacheRoot(): string {
  return process.env.TERNC_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "ternc");
}
