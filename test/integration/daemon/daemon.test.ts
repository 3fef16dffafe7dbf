// The daemon for real: two keepalived-ts processes on a two-director namespace testbed, driven by
// signals. Covers start-up, GET /status and /metrics, SIGUSR1/SIGUSR2 dumps, SIGHUP with a broken
// config, an unchanged one, and ones that change, add and remove instances and VIPs, SIGTERM (priority-0 handover, VIP removed), and checks every log
// line both daemons wrote against the documented event schema.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { createTestbed } from '../../helpers/netns.js';
import { validateEvent } from '../../../src/observe/events.js';
import { parsePrometheusText, sampleValue } from '../../helpers/prom-text.js';
import type { RunningNode } from '../../helpers/vrrp-nodes.js';
import { defaultRunOptions, startDaemon } from './daemon-process.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);

function vrrpInstance(
  name: string,
  vrid: number,
  state: 'MASTER' | 'BACKUP',
  priority: number,
  vips: string[],
): string {
  return `vrrp_instance ${name} {
    state ${state}
    interface eth0
    virtual_router_id ${vrid}
    priority ${priority}
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
${vips.map((v) => `        ${v}\n`).join('')}    }
}
`;
}

function vrrpConfig(
  routerId: string,
  state: 'MASTER' | 'BACKUP',
  priority: number,
  extra = '',
): string {
  return `global_defs {
   router_id ${routerId}
}
${vrrpInstance('VI_1', 51, state, priority, ['192.168.0.38'])}${extra}`;
}

// The second and third are checked only while their address is local (ha_suspend): d1 holds
// 192.168.0.40 once a reload makes it a VIP of VI_1; 192.168.0.41 is added by hand (ip addr).
// Their real server is d1 itself, where nothing listens on port 80.
const VIRTUAL_SERVER = `virtual_server 192.168.0.38 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.168.0.99 80 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
virtual_server 192.168.0.40 80 {
    delay_loop 1
    ha_suspend
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.168.0.48 80 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
virtual_server 192.168.0.41 80 {
    delay_loop 1
    ha_suspend
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.168.0.48 80 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
`;
const SUSPENDED_VS = 'tcp 192.168.0.40:80';
const STATIC_VS = 'tcp 192.168.0.41:80';

const isEvent =
  (name: string, fields: Record<string, unknown> = {}) =>
  (r: Record<string, unknown>) =>
    r.event === name && Object.entries(fields).every(([k, v]) => r[k] === v);

test(
  'two daemons: status, metrics, dumps, reloads and a clean stop',
  { skip, timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-daemon-it-'));
    const bed = createTestbed('ops', [
      { name: 'd1', ipv4: '192.168.0.48/24' },
      { name: 'd2', ipv4: '192.168.0.58/24' },
    ]);
    const daemons: RunningNode[] = [];
    after(() => {
      for (const d of daemons) d.signal('SIGKILL');
      bed.teardown();
      rmSync(dir, { recursive: true, force: true });
    });
    const hasVip = (node: string, address = '192.168.0.38/32') =>
      bed.exec(node, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']).includes(address);

    const conf1 = join(dir, 'd1.conf');
    // d1 also runs the checker side (--ipvs dry-run) against a real server that does not exist,
    // so its log carries check, real-server and IPVS events too.
    const d1Config = vrrpConfig('LVS_D1', 'MASTER', 100, VIRTUAL_SERVER);
    writeFileSync(conf1, d1Config);
    writeFileSync(join(dir, 'd2.conf'), vrrpConfig('LVS_D2', 'BACKUP', 90));
    const opts = (node: string) => ({
      ...defaultRunOptions(join(dir, `${node}.conf`)),
      check: node === 'd1',
      status: '127.0.0.1:9650',
      pidFile: join(dir, `${node}.pid`),
    });
    // Start d1 first: whichever starts first becomes master first, and this test wants d1 there.
    const d1 = startDaemon(bed, 'd1', opts('d1'), { TMPDIR: dir });
    daemons.push(d1);
    await d1.waitForRecord(isEvent('status.listening'), 10_000, 'status.listening');
    const d2 = startDaemon(bed, 'd2', opts('d2'), { TMPDIR: join(dir, 'nonexistent') });
    daemons.push(d2);

    assert.equal(readFileSync(join(dir, 'd1.pid'), 'utf8').trim(), String(d1.proc.pid));
    await d1.waitForRecord(isEvent('vrrp.state', { to: 'MASTER' }), 10_000, 'd1 MASTER');
    await d2.waitForRecord(isEvent('vrrp.state', { to: 'BACKUP' }), 10_000, 'd2 BACKUP');
    await d1.waitForRecord(isEvent('vip.add'), 5_000, 'vip.add');
    assert.ok(hasVip('d1'));
    assert.ok(!hasVip('d2'));

    // The checker side: the missing real server goes down and leaves the (dry-run) IPVS table.
    await d1.waitForRecord(
      isEvent('rs.down', { realServer: '192.168.0.99:80' }),
      15_000,
      'rs.down',
    );
    await d1.waitForRecord(
      isEvent('ipvs.dest.del', { dest: '192.168.0.99:80' }),
      5_000,
      'dest.del',
    );

    // GET /status and /metrics, from inside d1's namespace (the endpoint is on its loopback).
    const fetchIn = (path: string) =>
      bed.exec('d1', process.execPath, [
        '-e',
        `fetch('http://127.0.0.1:9650${path}').then(async (r) => process.stdout.write(await r.text()))`,
      ]);
    const status = JSON.parse(fetchIn('/status')) as {
      instances: Array<{ name: string; state: string; vips: string[] }>;
    };
    assert.deepEqual(
      status.instances.map((i) => [i.name, i.state, i.vips]),
      [['VI_1', 'MASTER', ['192.168.0.38/32']]],
    );
    const metrics = parsePrometheusText(fetchIn('/metrics'));
    assert.equal(
      sampleValue(metrics, 'keepalived_vrrp_state', { instance: 'VI_1', state: 'MASTER' }),
      1,
    );
    assert.ok(
      (sampleValue(metrics, 'keepalived_vrrp_adverts_sent_total', { instance: 'VI_1' }) ?? 0) >= 1,
    );
    const rsLabels = { virtual_server: 'tcp 192.168.0.38:80', real_server: '192.168.0.99:80' };
    assert.equal(sampleValue(metrics, 'keepalived_real_server_up', rsLabels), 0);
    assert.equal(sampleValue(metrics, 'keepalived_ipvs_operations_total', { op: 'dest.del' }), 1);
    // Check results reach /metrics and /status in the worker's batches (one a second).
    const failedChecks = () =>
      sampleValue(parsePrometheusText(fetchIn('/metrics')), 'keepalived_checks_total', {
        ...rsLabels,
        checker: 'TCP_CHECK',
        result: 'failure',
      }) ?? 0;
    const deadline = Date.now() + 3000;
    while (failedChecks() < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    assert.ok(failedChecks() >= 2, 'retry 1: two failures took it down');
    const checked = JSON.parse(fetchIn('/status')) as {
      virtualServers: Array<{
        name: string;
        realServers: Array<{
          alive: boolean;
          checkers: Array<{ up: boolean; last?: { ok: boolean } }>;
        }>;
      }>;
    };
    const deadRs = checked.virtualServers.find((v) => v.name === 'tcp 192.168.0.38:80')!
      .realServers[0]!;
    assert.deepEqual(
      [deadRs.alive, deadRs.checkers[0]!.up, deadRs.checkers[0]!.last?.ok],
      [false, false, false],
    );
    // ha_suspend: 192.168.0.40 and .41 are not on d1 yet, so their virtual servers were never
    // checked.
    for (const vs of [SUSPENDED_VS, STATIC_VS]) {
      assert.equal(
        d1.records().filter((r) => r.virtualServer === vs).length,
        0,
        `no checks of ${vs} while suspended`,
      );
    }
    // An address added by anyone, not only by VRRP, lifts it (rtnetlink address events).
    const addrMark = d1.lines.length;
    bed.exec('d1', 'ip', ['addr', 'add', '192.168.0.41/32', 'dev', 'eth0']);
    await d1.waitForRecord(
      isEvent('check.down', { virtualServer: STATIC_VS }),
      5_000,
      'check.down after 192.168.0.41 was added',
      addrMark,
    );

    // SIGUSR1, SIGUSR2: keepalived.data and keepalived.stats in $TMPDIR, plus JSON.
    d1.signal('SIGUSR1');
    const data = await d1.waitForRecord(
      isEvent('dump.written', { kind: 'data' }),
      5_000,
      'data dump',
    );
    assert.equal(data.path, join(dir, 'keepalived.data'));
    assert.match(
      readFileSync(join(dir, 'keepalived.data'), 'utf8'),
      /VRRP Instance = VI_1\n {3}State = MASTER/,
    );
    d1.signal('SIGUSR2');
    await d1.waitForRecord(isEvent('dump.written', { kind: 'stats' }), 5_000, 'stats dump');
    const stats = JSON.parse(readFileSync(join(dir, 'keepalived.stats.json'), 'utf8')) as {
      instances: Record<string, { advertsSent: number; becameMaster: number }>;
    };
    assert.ok(stats.instances.VI_1!.advertsSent >= 1);
    assert.equal(stats.instances.VI_1!.becameMaster, 1);
    // A dump that cannot be written (d2's TMPDIR does not exist) is logged; the daemon keeps running.
    d2.signal('SIGUSR1');
    await d2.waitForRecord(
      (r) => typeof r.msg === 'string' && r.msg.includes('SIGUSR1 handling failed'),
      5_000,
      'dump failure',
    );

    // SIGHUP with a broken config: rejected, the old one keeps running, the VIP stays.
    writeFileSync(conf1, vrrpConfig('LVS_D1', 'MASTER', 300));
    d1.signal('SIGHUP');
    const rejected = await d1.waitForRecord(isEvent('config.rejected'), 5_000, 'config.rejected');
    assert.equal(rejected.reload, true);
    assert.ok(
      (
        rejected.diagnostics as Array<{ severity: string; file: string; line: number; col: number }>
      ).some((d) => d.severity === 'error' && d.file === conf1 && d.line === 8 && d.col > 0),
      JSON.stringify(rejected.diagnostics),
    );
    // SIGHUP with the same instances (a comment added): loaded, no change, no transition.
    writeFileSync(conf1, `! reloaded\n${d1Config}`);
    d1.signal('SIGHUP');
    const loaded = await d1.waitForRecord(
      isEvent('config.loaded', { reload: true }),
      5_000,
      'config.loaded',
    );
    assert.deepEqual(loaded.changes, []);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(hasVip('d1'));
    assert.equal(
      d1.records().filter(isEvent('vrrp.state')).length,
      2,
      'no transition from the reload',
    );

    // SIGHUP adding a real server: reported as a change, and the IPVS table gains it (a real
    // server without alpha starts alive), still without a VRRP transition.
    const mark = d1.lines.length;
    writeFileSync(
      conf1,
      d1Config.replace(
        '    real_server 192.168.0.99 80 {',
        '    real_server 192.168.0.98 80 {\n        weight 3\n    }\n    real_server 192.168.0.99 80 {',
      ),
    );
    d1.signal('SIGHUP');
    const grown = await d1.waitForRecord(
      isEvent('config.loaded', { reload: true }),
      5_000,
      'reload',
      mark,
    );
    assert.deepEqual(grown.changes, ['real server tcp 192.168.0.38:80 -> 192.168.0.98:80 added']);
    const added = await d1.waitForRecord(
      isEvent('ipvs.dest.add', { dest: '192.168.0.98:80' }),
      5_000,
      'dest.add',
      mark,
    );
    assert.equal(added.weight, 3);
    assert.equal(d1.records(mark).filter(isEvent('vrrp.state')).length, 0);

    // SIGHUP changing an instance in place: it keeps its state (no transition, the VIP stays).
    const reload = async (text: string, d = d1, conf = conf1) => {
      const mark = d.lines.length;
      writeFileSync(conf, text);
      d.signal('SIGHUP');
      const loaded = await d.waitForRecord(
        isEvent('config.loaded', { reload: true }),
        5_000,
        'reload',
        mark,
      );
      return { mark, changes: loaded.changes };
    };
    const vi1 = { instance: 'VI_1' };
    const changed = await reload(d1Config.replace('priority 100', 'priority 110'));
    assert.deepEqual(changed.changes, [
      'instance VI_1 changed: priority',
      'real server tcp 192.168.0.38:80 -> 192.168.0.98:80 removed',
    ]);
    assert.ok(hasVip('d1'));
    assert.equal(d1.records(changed.mark).filter(isEvent('vrrp.state')).length, 0);

    // A VIP added to the surviving MASTER: vip.add for the new address only. d2 gets it too at
    // once (adverts must list the addresses it expects: check_advert_addresses), as a BACKUP
    // without adding anything.
    const twoVips = vrrpConfig('LVS_D1', 'MASTER', 110, VIRTUAL_SERVER).replace(
      '        192.168.0.38\n',
      '        192.168.0.38\n        192.168.0.40\n',
    );
    const grownVips = await reload(twoVips);
    const d2Grown = await reload(
      vrrpConfig('LVS_D2', 'BACKUP', 90).replace(
        '        192.168.0.38\n',
        '        192.168.0.38\n        192.168.0.40\n',
      ),
      d2,
      join(dir, 'd2.conf'),
    );
    for (const r of [grownVips, d2Grown]) {
      assert.deepEqual(r.changes, ['instance VI_1 changed: virtualIpaddresses']);
    }
    await d1.waitForRecord(
      isEvent('vip.add', { ...vi1, address: '192.168.0.40/32' }),
      5_000,
      'vip.add',
    );
    assert.deepEqual(
      d1
        .records(grownVips.mark)
        .filter(isEvent('vip.add'))
        .map((r) => r.address),
      ['192.168.0.40/32'],
    );
    assert.ok(hasVip('d1') && hasVip('d1', '192.168.0.40/32'));
    assert.equal(d1.records(grownVips.mark).filter(isEvent('vrrp.state')).length, 0);
    // Now 192.168.0.40 is local: the suspended virtual server's checker runs and finds nothing
    // listening (connection refused at once, then its retry).
    await d1.waitForRecord(
      isEvent('check.down', { virtualServer: SUSPENDED_VS }),
      5_000,
      'check.down after ha_suspend lifted',
      grownVips.mark,
    );

    // An instance added: it starts (and, alone on VRID 52, becomes MASTER with its VIP); VI_1
    // is left as it is.
    const withVi2 = `${twoVips}${vrrpInstance('VI_2', 52, 'MASTER', 100, ['192.168.0.39'])}`;
    const added2 = await reload(withVi2);
    assert.deepEqual(added2.changes, ['instance VI_2 added']);
    await d1.waitForRecord(
      isEvent('vrrp.state', { instance: 'VI_2', to: 'MASTER' }),
      10_000,
      'VI_2',
    );
    await d1.waitForRecord(isEvent('vip.add', { instance: 'VI_2' }), 5_000, 'VI_2 vip.add');
    assert.ok(hasVip('d1', '192.168.0.39/32'));
    assert.equal(d1.records(added2.mark).filter(isEvent('vrrp.state', vi1)).length, 0);
    assert.equal(d1.records(added2.mark).filter(isEvent('vip.add', vi1)).length, 0);

    // The instance removed again: it stops and its VIP goes; VI_1 still untouched.
    const removed2 = await reload(twoVips);
    assert.deepEqual(removed2.changes, ['instance VI_2 removed']);
    await d1.waitForRecord(
      isEvent('vip.del', { instance: 'VI_2', address: '192.168.0.39/32' }),
      5_000,
      'VI_2 vip.del',
    );
    await d1.waitForRecord(
      isEvent('vrrp.state', { instance: 'VI_2', to: 'STOP' }),
      5_000,
      'VI_2 STOP',
    );
    assert.ok(!hasVip('d1', '192.168.0.39/32'));
    assert.ok(hasVip('d1') && hasVip('d1', '192.168.0.40/32'));
    assert.equal(d1.records(removed2.mark).filter(isEvent('vrrp.state', vi1)).length, 0);
    assert.equal(d1.records(removed2.mark).filter(isEvent('vip.del', vi1)).length, 0);
    // Through all of it d2 stayed BACKUP, without a VIP.
    assert.equal(d2.records(d2Grown.mark).filter(isEvent('vrrp.state')).length, 0);
    assert.equal(d2.records(d2Grown.mark).filter(isEvent('vip.add')).length, 0);
    const afterRemoval = JSON.parse(fetchIn('/status')) as { instances: Array<{ name: string }> };
    assert.deepEqual(
      afterRemoval.instances.map((i) => i.name),
      ['VI_1'],
    );

    // Through every reload, two of which restarted the checkers, the dead real server stayed
    // out: added at start (alive until checked), removed once, never re-added (keepalived#1720).
    const dead = '192.168.0.99:80';
    assert.equal(d1.records().filter(isEvent('ipvs.dest.add', { dest: dead })).length, 1);
    assert.equal(d1.records().filter(isEvent('ipvs.dest.del', { dest: dead })).length, 1);
    assert.equal(d1.records().filter(isEvent('check.up', { realServer: dead })).length, 0);

    // SIGTERM: priority 0, VIP removed, pid file removed, d2 takes over within its skew time.
    const stoppedAt = Date.now();
    const d2Mark = d2.lines.length;
    d1.signal('SIGTERM');
    assert.equal(await d1.exited, 0);
    // 'exit' can come before the last lines are read: wait for daemon.stop, then check it is last.
    await d1.waitForRecord(isEvent('daemon.stop'), 2_000, 'daemon.stop');
    const last = d1.records().at(-1)!;
    assert.equal(last.event, 'daemon.stop');
    assert.equal(last.signal, 'SIGTERM');
    assert.ok(!hasVip('d1'));
    const master = await d2.waitForRecord(
      isEvent('vrrp.state', { to: 'MASTER' }),
      6_000,
      'd2 MASTER',
      d2Mark,
    );
    // Priority 0 from d1 makes d2 take over after its skew time ((256-90)/256 s), not the 3.6 s
    // master-down timer.
    const takeover = Date.parse(master.time as string) - stoppedAt;
    console.log(`d2 MASTER ${takeover} ms after SIGTERM to d1 (${String(master.reason)})`);
    assert.ok(takeover < 2000, `takeover after ${takeover} ms`);
    assert.throws(() => readFileSync(join(dir, 'd1.pid')));

    d2.signal('SIGINT');
    assert.equal(await d2.exited, 0);

    for (const d of [d1, d2]) {
      for (const { text } of d.lines.filter((l) => l.stream === 'stdout')) {
        const v = validateEvent(text);
        assert.ok(v.ok, `${text}: ${v.ok ? '' : v.errors.join('; ')}`);
      }
    }
  },
);

test(
  'a config with errors at start: config.rejected, exit 1, nothing left behind',
  { skip, timeout: 20_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-daemon-it-'));
    const bed = createTestbed('ops', [{ name: 'd1', ipv4: '192.168.0.48/24' }]);
    after(() => {
      bed.teardown();
      rmSync(dir, { recursive: true, force: true });
    });
    const conf = join(dir, 'bad.conf');
    writeFileSync(conf, 'vrrp_instance VI_1 {\n    virtual_router_id 999\n}\n');
    const d = startDaemon(bed, 'd1', { ...defaultRunOptions(conf), pidFile: join(dir, 'x.pid') });
    assert.equal(await d.exited, 1);
    await d.waitForRecord(isEvent('config.rejected'), 2_000, 'config.rejected');
    const records = d.records();
    assert.deepEqual(
      records.map((r) => r.event),
      ['config.rejected'],
    );
    assert.throws(() => readFileSync(join(dir, 'x.pid')));
    for (const { text } of d.lines.filter((l) => l.stream === 'stdout')) {
      assert.ok(validateEvent(text).ok, text);
    }
  },
);
