// The VRRP adverts one director sends, captured by tcpdump on its bridge port in the switch
// namespace of a testbed (test/helpers/netns.ts): the capture runs outside the director's
// namespace, so measuring costs the daemon under test nothing. For bench/lib/advert-timing.ts.
import type { ChildProcess } from 'node:child_process';
import { spawnIn, type Testbed } from '../../test/helpers/netns.js';

/** How long tcpdump may take to open its interface. */
const LISTEN_TIMEOUT_MS = 5000;

/**
 * Starts `tcpdump -w FILE` of IP protocol 112 (VRRP) from `source` on `node`'s bridge port;
 * resolves once tcpdump listens, so no advert sent after that is missed. The caller stops it
 * (SIGTERM, then wait for exit: tcpdump writes each packet at once with -U).
 */
export function captureAdverts(
  bed: Testbed,
  node: string,
  source: string,
  file: string,
): Promise<ChildProcess> {
  const proc = spawnIn(
    bed.sw,
    'tcpdump',
    ['-i', `v-${node}`, '-U', '-n', '-w', file, `ip proto 112 and src host ${source}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let said = '';
    let listening = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      try {
        process.kill(-(proc.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error(`tcpdump on v-${node}: ${why}: ${said.trim()}`));
    };
    const timer = setTimeout(() => fail('not listening after 5 s'), LISTEN_TIMEOUT_MS);
    proc.stderr?.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (!listening && said.includes('listening on')) {
        listening = true;
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.once('exit', (code) => {
      if (!listening) fail(`exited ${code}`);
    });
  });
}
