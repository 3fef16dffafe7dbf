// loadConfig() in a short-lived child process, for the daemon's start and reloads. The parser's
// modules (nearley grammar tables, the keyword definitions) and the syntax tree of a large
// configuration then never live in the daemon: they die with the child, and only the typed model
// and the diagnostics come back over IPC by structured clone (both are plain data). A 100k-line
// parse also stops holding the VRRP thread for hundreds of milliseconds.
// A process, not a worker thread: a worker's isolate is freed when it exits, but the memory it
// malloc'ed stays with the daemon (glibc keeps the arenas), measured at +2 MiB of RssAnon for a
// small configuration and +10 MiB for a 100k-line one; a child returns all of it to the system.
// The same file is the child's entry: started with CHILD_FLAG and the request, it loads and
// replies. Host overrides (LoadOptions.host, readFile, glob) are functions and cannot cross:
// the child validates against the real host, as the daemon must. One-shot commands (-t,
// --dump-config) call loadConfig in-process instead: a process that exits gains nothing.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KtsError } from '../errors.js';
import type { LoadResult } from './load.js';

/** The argument that makes this module, run as a program, the loader child. */
const CHILD_FLAG = '--kts-config-load';

export interface WorkerLoadOptions {
  configId?: string;
  /**
   * For a daemon that runs VRRP only (-P): the model comes back without virtual servers and
   * virtual server groups, as keepalived's VRRP process skips those blocks. It then never holds,
   * clones or compares on reload the 10,000 real servers it does not check. They are still
   * parsed and validated: their diagnostics come back as usual.
   */
  vrrpOnly?: boolean;
}

/** What the child is asked to load: only plain, cloneable options. */
type ConfigLoadRequest = WorkerLoadOptions & { file: string };

/**
 * loadConfig(file, { configId }) in a new child process; resolves with its LoadResult. Rejects
 * with ERR_CONFIG_WORKER if the child fails (it could not start, or exited without an answer).
 */
export function loadConfigInWorker(
  file: string,
  opts: WorkerLoadOptions = {},
): Promise<LoadResult> {
  const request: ConfigLoadRequest = { file, ...opts };
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, JSON.stringify(request)], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let answered = false;
    let failure: Error | undefined;
    child.once('message', (result: LoadResult) => {
      answered = true;
      resolve(result);
    });
    child.once('error', (err) => (failure = err));
    child.once('exit', (code, signal) => {
      if (answered) return;
      const why = failure?.message ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
      reject(
        new KtsError('ERR_CONFIG_WORKER', `${file}: configuration loader failed: ${why}`, {
          cause: failure,
        }),
      );
    });
  });
}

async function serve(request: ConfigLoadRequest): Promise<void> {
  const { loadConfig } = await import('./load.js');
  const result = loadConfig(
    request.file,
    request.configId !== undefined ? { configId: request.configId } : {},
  );
  const reply = request.vrrpOnly
    ? { ...result, config: { ...result.config, virtualServers: [], virtualServerGroups: [] } }
    : result;
  // Disconnecting once the reply is written leaves nothing to keep the child alive: it exits.
  process.send?.(reply, () => process.disconnect());
}

if (process.argv[2] === CHILD_FLAG && process.send) {
  await serve(JSON.parse(process.argv[3] ?? '{}') as ConfigLoadRequest);
}
