// Running nodes in a testbed (test/helpers/netns.ts) for the VRRP and daemon integration tests:
// our VRRP node (test/helpers/vrrp-node.ts), the real keepalived, or the daemon
// (test/integration/daemon/daemon-process.ts), each in its own process group inside a node's
// namespace, with its output collected line by line, and VIP polling to time failovers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ip, type Testbed } from './netns.js';

const NODE_SCRIPT = fileURLToPath(new URL('./vrrp-node.js', import.meta.url));

export interface OutputLine {
  at: number;
  text: string;
  stream: 'stdout' | 'stderr';
}

/** The JSON log record on a line, if it is one (our processes log JSON lines to stdout). */
function recordOf(line: OutputLine): Record<string, unknown> | undefined {
  if (line.stream !== 'stdout' || !line.text.startsWith('{')) return undefined;
  try {
    return JSON.parse(line.text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A process started in a testbed namespace, its output collected line by line as it comes. */
export class RunningNode {
  readonly lines: OutputLine[] = [];
  readonly exited: Promise<number | null>;
  private waiters: Array<() => void> = [];

  constructor(
    readonly label: string,
    readonly proc: ChildProcess,
  ) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = proc[stream];
      if (!input) continue;
      createInterface({ input }).on('line', (text) => {
        this.lines.push({ at: performance.now(), text, stream });
        for (const w of this.waiters) w();
      });
    }
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }

  /** Signals the whole process group (`ip netns exec` execs the daemon in place). */
  signal(sig: NodeJS.Signals): void {
    if (this.proc.pid === undefined || this.proc.exitCode !== null) return;
    try {
      process.kill(-this.proc.pid, sig);
    } catch {
      // already gone
    }
  }

  /**
   * Resolves with the first output line from index `from` on that satisfies `pred` (already seen
   * or to come); rejects after `timeoutMs` with everything the process wrote.
   */
  waitFor(
    pred: (line: OutputLine) => boolean,
    timeoutMs: number,
    what: string,
    from = 0,
  ): Promise<OutputLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.lines.slice(from).find(pred);
        if (!hit) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== onLine);
        resolve(hit);
        return true;
      };
      const onLine = () => void check();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== onLine);
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms:\n${this.dump()}`));
      }, timeoutMs);
      if (!check()) this.waiters.push(onLine);
    });
  }

  /** Resolves with the first output line matching `pattern` (already seen or to come). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<OutputLine> {
    return this.waitFor((l) => pattern.test(l.text), timeoutMs, `line matching ${pattern}`);
  }

  /** Our nodes' JSON log records, from output line index `from` on. */
  records(from = 0): Array<Record<string, unknown>> {
    return this.lines.slice(from).flatMap((l) => {
      const r = recordOf(l);
      return r ? [r] : [];
    });
  }

  /** Resolves with the first JSON record from line index `from` on that satisfies `pred`. */
  async waitForRecord(
    pred: (r: Record<string, unknown>) => boolean,
    timeoutMs: number,
    what: string,
    from = 0,
  ): Promise<Record<string, unknown>> {
    const matches = (l: OutputLine) => {
      const r = recordOf(l);
      return r !== undefined && pred(r);
    };
    return recordOf(await this.waitFor(matches, timeoutMs, what, from))!;
  }

  /** Our node's JSON events of one kind. */
  events(name: string): Array<Record<string, unknown>> {
    return this.records().filter((r) => r.event === name);
  }

  dump(): string {
    return this.lines.map((l) => l.text).join('\n');
  }

  async stop(): Promise<void> {
    this.signal('SIGTERM');
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
    if ((await Promise.race([this.exited, timeout])) === 'timeout') this.signal('SIGKILL');
  }
}

/** A scratch directory for configs and pid files, removed by cleanup(). */
export function scratchDir(area: string): {
  dir: string;
  write(name: string, text: string): string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), `kts-${area}-`));
  return {
    dir,
    write: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function startOurs(bed: Testbed, node: string, config: string): RunningNode {
  const proc = bed.spawn(node, process.execPath, [NODE_SCRIPT, config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new RunningNode(`ours@${node}`, proc);
}

/** keepalived 2.2.7, VRRP only, foreground, console log, its own pid files (testbeds.md §C.1). */
export function startKeepalived(
  bed: Testbed,
  node: string,
  config: string,
  runDir: string,
): RunningNode {
  const pid = (n: string) => join(runDir, `${node}-${n}.pid`);
  const args = [
    '-P',
    '-n',
    '-l',
    '-D',
    '-f',
    config,
    '-p',
    pid('main'),
    '-r',
    pid('vrrp'),
    '-c',
    pid('chk'),
  ];
  const proc = bed.spawn(node, 'keepalived', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new RunningNode(`keepalived@${node}`, proc);
}

/** Whether `address` (e.g. "192.168.0.38/32") is on the node's eth0. */
export function holdsVip(bed: Testbed, node: string, address: string): boolean {
  const out = ip(['-n', bed.nodes[node].ns, '-o', 'addr', 'show', 'dev', 'eth0']);
  return out.split('\n').some((l) => l.split(/\s+/).includes(address));
}

/**
 * A condition for waitUntil/holdsFor: `address` is on `node`'s eth0 and not on the other
 * director's (the two-director testbed: d1 and d2).
 */
export function onlyHolder(bed: Testbed, node: 'd1' | 'd2', address: string): () => boolean {
  const other = node === 'd1' ? 'd2' : 'd1';
  return () => holdsVip(bed, node, address) && !holdsVip(bed, other, address);
}

/** Polls every 10 ms; resolves with performance.now() when `cond` first holds. */
export async function waitUntil(
  cond: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (cond()) return performance.now();
    if (performance.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Fails if `cond` becomes false at any poll during `ms`. */
export async function holdsFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (!cond()) throw new Error(`${what} stopped holding`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface SeedOptions {
  state: 'MASTER' | 'BACKUP';
  priority: number;
  version?: 2 | 3;
  /** Add VI_6: VRID 52, fd00::38/64 (VRRPv3 only). */
  ipv6?: boolean;
  /** VI_1 in unicast mode: our address and the peer's. */
  unicast?: { src: string; peer: string };
}

/** The tutorial layout of testbeds.md §C.1, VRRP part: VI_1, VRID 51, 192.168.0.38, PASS 1111. */
export function seedConfig(o: SeedOptions): string {
  const v3 = o.version === 3;
  const auth = v3
    ? ''
    : '    authentication {\n        auth_type PASS\n        auth_pass 1111\n    }\n';
  const unicast = o.unicast
    ? `    unicast_src_ip ${o.unicast.src}\n    unicast_peer {\n        ${o.unicast.peer}\n    }\n`
    : '';
  const instance = (name: string, vrid: number, vip: string, extra = '') =>
    `vrrp_instance ${name} {\n    state ${o.state}\n    interface eth0\n    virtual_router_id ${vrid}\n` +
    `    priority ${o.priority}\n    advert_int 1\n${auth}${extra}    virtual_ipaddress {\n        ${vip}\n    }\n}\n`;
  return (
    (v3 ? 'global_defs {\n    vrrp_version 3\n}\n' : '') +
    instance('VI_1', 51, '192.168.0.38', unicast) +
    (o.ipv6 ? instance('VI_6', 52, 'fd00::38/64') : '')
  );
}
