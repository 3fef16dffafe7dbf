// Network-namespace testbeds for integration tests (testbeds.md §A), shared by every area.
//
// Build a testbed (a bridge namespace "sw" plus one namespace per node, each with an eth0 veth
// enslaved to the bridge, DAD off, lo up, no default route so nothing leaves):
//
//   const bed = createTestbed('net', [{ name: 'd1', ipv4: '192.168.0.48/24' }, { name: 'd2' }]);
//   after(() => bed.teardown());
//   bed.nodes.d1.ns        namespace name, e.g. "kts-net-1234-1-d1" (unique per process+call)
//   bed.nodes.d1.path      "/run/netns/<ns>": pass as `netns` to RawIpSocket / PacketSocket /
//                          NetlinkSocket to open sockets inside it from the test process itself
//   bed.nodes.d1.ifindex   eth0's ifindex inside the namespace; .mac; .linkLocal (fe80::…)
//   bed.exec('d1', 'ip', ['addr'])    run a command inside (ip netns exec), returns stdout
//   bed.spawn('d1', 'node', [script]) start a long-running process inside (own process group);
//                                     teardown kills it with the namespace
//
// Or single namespaces: createNetns(name) / deleteNetns(name) / execIn(ns, cmd, args).
// Teardown is idempotent, kills every process in a namespace before deleting it (`ip netns del`
// leaves them running, and they keep the namespace alive), and runs on process exit as a last
// resort. Call skipUnless([[canCreateNetns(), 'root and ip netns']]) before using any of this.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

let counter = 0;
const live = new Set<string>();

/** "kts-AREA-PID-N": unique per process and call, short enough for `ip netns` names. */
export function uniquePrefix(area: string): string {
  counter += 1;
  return `kts-${area}-${process.pid}-${counter}`;
}

export function nsPath(ns: string): string {
  return `/run/netns/${ns}`;
}

/** Runs `ip ARGS` and returns its stdout. */
export function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

/** Runs CMD inside the namespace and returns its stdout (throws on a non-zero exit). */
export function execIn(ns: string, cmd: string, args: string[] = [], input?: string): string {
  return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Starts CMD inside the namespace in its own process group (signal it as a whole). */
export function spawnIn(
  ns: string,
  cmd: string,
  args: string[] = [],
  opts: SpawnOptions = {},
): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, cmd, ...args], { detached: true, ...opts });
}

/** A namespace with lo up and IPv6 DAD off (so addresses are usable at once, as VRRPv3 needs). */
export function createNetns(ns: string): void {
  deleteNetns(ns);
  ip(['netns', 'add', ns]);
  live.add(ns);
  execIn(ns, 'sysctl', [
    '-qw',
    'net.ipv6.conf.default.accept_dad=0',
    'net.ipv6.conf.all.accept_dad=0',
  ]);
  ip(['-n', ns, 'link', 'set', 'lo', 'up']);
}

/** Kills every process in the namespace, then deletes it. Does nothing if it does not exist. */
export function deleteNetns(ns: string): void {
  live.delete(ns);
  if (!existsSync(`/run/netns/${ns}`)) return;
  let pids: string;
  try {
    pids = ip(['netns', 'pids', ns]);
  } catch {
    return; // deleted concurrently
  }
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  try {
    ip(['netns', 'del', ns]);
  } catch {
    // deleted concurrently
  }
}

process.on('exit', () => {
  for (const ns of [...live]) deleteNetns(ns);
});

export interface TestbedNodeSpec {
  name: string;
  /** "192.168.0.48/24" on eth0. */
  ipv4?: string;
  /** Extra IPv6 address with prefix on eth0, e.g. "fd00::48/64". */
  ipv6?: string;
}

export interface TestbedNode {
  name: string;
  ns: string;
  path: string;
  /** eth0's ifindex inside the namespace. */
  ifindex: number;
  mac: string;
  /** eth0's IPv6 link-local address. */
  linkLocal: string;
}

export interface Testbed {
  prefix: string;
  /** The bridge namespace. */
  sw: string;
  nodes: Record<string, TestbedNode>;
  exec(node: string, cmd: string, args?: string[]): string;
  spawn(node: string, cmd: string, args?: string[], opts?: SpawnOptions): ChildProcess;
  teardown(): void;
}

interface IpLink {
  ifindex: number;
  address: string;
}
interface IpAddr {
  addr_info: Array<{ family: string; local: string; scope: string }>;
}

export function createTestbed(area: string, specs: TestbedNodeSpec[]): Testbed {
  const prefix = uniquePrefix(area);
  const sw = `${prefix}-sw`;
  const names = [sw, ...specs.map((s) => `${prefix}-${s.name}`)];
  const teardown = () => {
    for (const ns of names) deleteNetns(ns);
  };
  try {
    createNetns(sw);
    ip([
      '-n',
      sw,
      'link',
      'add',
      'br0',
      'type',
      'bridge',
      'stp_state',
      '0',
      'forward_delay',
      '0',
      'mcast_snooping',
      '0',
    ]);
    ip(['-n', sw, 'link', 'set', 'br0', 'up']);
    const nodes: Record<string, TestbedNode> = {};
    for (const spec of specs) {
      const ns = `${prefix}-${spec.name}`;
      createNetns(ns);
      // Created inside `sw` with its peer moved straight into the node: nothing touches the host.
      ip([
        '-n',
        sw,
        'link',
        'add',
        `v-${spec.name}`,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        ns,
      ]);
      ip(['-n', sw, 'link', 'set', `v-${spec.name}`, 'master', 'br0', 'up']);
      if (spec.ipv4) ip(['-n', ns, 'addr', 'add', spec.ipv4, 'dev', 'eth0']);
      if (spec.ipv6) ip(['-n', ns, 'addr', 'add', spec.ipv6, 'dev', 'eth0', 'nodad']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      const [link] = JSON.parse(ip(['-j', '-n', ns, 'link', 'show', 'dev', 'eth0'])) as IpLink[];
      const [addrs] = JSON.parse(
        ip(['-j', '-n', ns, '-6', 'addr', 'show', 'dev', 'eth0']),
      ) as IpAddr[];
      const ll = addrs?.addr_info.find((a) => a.scope === 'link');
      nodes[spec.name] = {
        name: spec.name,
        ns,
        path: nsPath(ns),
        ifindex: link.ifindex,
        mac: link.address,
        linkLocal: ll?.local ?? '',
      };
    }
    return {
      prefix,
      sw,
      nodes,
      exec: (node, cmd, args = []) => execIn(`${prefix}-${node}`, cmd, args),
      spawn: (node, cmd, args = [], opts = {}) => spawnIn(`${prefix}-${node}`, cmd, args, opts),
      teardown,
    };
  } catch (err) {
    teardown();
    throw err;
  }
}
