// How a benchmark starts keepalived-ts: the node running this benchmark, on the CLI of the same
// build as the benchmark itself (dist/ or an engineer's own outDir), so the daemon measured is
// always the code just compiled, never a stale dist/.
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./keepalived-ts-main.js', import.meta.url));

/** [command, args] running `keepalived-ts ARGS`, with optional V8/Node flags for its node. */
export function keepalivedTsCommand(args: string[], nodeFlags: string[] = []): [string, string[]] {
  return [process.execPath, [...nodeFlags, ENTRY, ...args]];
}
