// VRRP adverts captured by tcpdump on a director's bridge port in the switch namespace of a
// testbed (test/helpers/netns.ts): the capture runs outside the director's namespace, so measuring
// costs the daemon under test nothing. Read the file with bench/lib/advert-timing.ts.
import { spawnIn, type Testbed } from '../../test/helpers/netns.js';
import { RunningNode } from '../../test/helpers/vrrp-nodes.js';

/** How long tcpdump may take to open its interface. */
const LISTEN_TIMEOUT_MS = 5000;

/**
 * Starts `tcpdump -w FILE` of IP protocol 112 (VRRP) on `node`'s bridge port, from `source` only
 * when given (the port sees the director's own adverts and those it receives); resolves once
 * tcpdump listens, so no advert sent after that is missed. Stop it with `stop()` (SIGTERM, then
 * SIGKILL): tcpdump writes each packet at once with -U.
 */
export async function captureAdverts(
  bed: Testbed,
  node: string,
  file: string,
  source?: string,
): Promise<RunningNode> {
  const filter = source === undefined ? 'ip proto 112' : `ip proto 112 and src host ${source}`;
  const capture = new RunningNode(
    `tcpdump on v-${node}`,
    spawnIn(bed.sw, 'tcpdump', ['-i', `v-${node}`, '-U', '-n', '-w', file, filter], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  try {
    await capture.waitForLine(/listening on/, LISTEN_TIMEOUT_MS);
  } catch (err) {
    capture.signal('SIGKILL');
    throw err;
  }
  return capture;
}
