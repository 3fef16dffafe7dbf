// The pure parts of the advert-jitter benchmark (bench/advert-jitter.ts): advert timing from a
// capture, a failover timed on the wire, VRRP state changes from both implementations' logs, /proc/net/snmp counters.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { advertTimesUs, advertTiming, vrrpAdverts } from '../../../bench/lib/advert-timing.js';
import { wireFailover } from '../../../bench/lib/failover-wire.js';
import { snmpCounters } from '../../../bench/lib/snmp.js';
import { changesAfterSettling, eventCounts, stateChange } from '../../../bench/lib/vrrp-log.js';
import { readPcap } from '../../helpers/pcap.js';
import { VECTORS_DIR } from '../../helpers/shared.js';

describe('advert times from a capture', () => {
  // keepalived's VRRPv3 failover: d1 (.48) and d2 (.58) both advertise VRID 51 over IPv4, VRID
  // 52 goes over IPv6, with GARPs and NAs in between (shared/vectors/README.md).
  const records = readPcap(join(VECTORS_DIR, 'keepalived-v3-failover.pcap'));

  it("keeps exactly one router's IPv4 adverts of one VRID", () => {
    const d1 = advertTimesUs(records, '192.168.0.48', 51);
    // tcpdump -tt shows 13 such adverts, the first at 1795544018.957823, the last at .359501.
    assert.equal(d1.length, 13);
    assert.equal(d1[0], 1795544018957823);
    assert.equal(d1[12], 1795544039359501);
    assert.equal(advertTimesUs(records, '192.168.0.58', 51).length, 10);
    assert.deepEqual(advertTimesUs(records, '192.168.0.48', 52), []); // VRID 52 is IPv6 only
  });

  it('times keepalived advertising every second', () => {
    // d1's first five adverts, before d2 takes over: advert_int 1 s.
    const t = advertTiming(advertTimesUs(records, '192.168.0.48', 51).slice(0, 5), 1000);
    assert.equal(t.adverts, 5);
    assert.equal(t.missed, 0);
    assert.equal(t.configuredPerSec, 1);
    assert.ok(t.latenessMs.max < 2, `lateness ${t.latenessMs.max} ms`);
  });

  it('takes lateness as the interval minus advert_int', () => {
    // Intervals 100, 103, 96 and 201 ms: lateness 0, 3, -4 and 101 ms.
    const t = advertTiming([0, 100_000, 203_000, 299_000, 500_000], 100);
    assert.deepEqual([t.latenessMs.min, t.latenessMs.median, t.latenessMs.max], [-4, 1.5, 101]);
    assert.deepEqual([t.intervalErrorMs.min, t.intervalErrorMs.max], [0, 101]);
    assert.equal(t.missed, 1); // 201 ms: one advert skipped
    assert.equal(t.early, 0);
    assert.equal(t.spanMs, 500);
    assert.equal(t.achievedPerSec, 8);
  });

  it('tells off-schedule adverts (replies to a peer) from late ones', () => {
    // A reply 0.5 ms after a scheduled advert, then the schedule resumes.
    const t = advertTiming([0, 100_000, 100_500, 200_000, 300_000], 100);
    assert.equal(t.early, 1);
    assert.equal(t.missed, 0);
  });

  it('sums lateness to the span: adverts at any times', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1 }), (gaps) => {
        const times = gaps.reduce<number[]>((acc, g) => [...acc, acc[acc.length - 1] + g], [0]);
        const t = advertTiming(times, 100);
        assert.ok(Math.abs(t.latenessMs.mean * gaps.length + 100 * gaps.length - t.spanMs) < 1e-6);
        assert.ok(t.intervalErrorMs.min >= 0);
        assert.ok(t.missed <= gaps.length);
      }),
    );
  });

  it('needs two adverts for an interval', () => {
    assert.throws(() => advertTiming([5], 100), RangeError);
  });
});

describe('VRRP state changes from logs', () => {
  it("reads keepalived-ts's vrrp.state events", () => {
    const line = JSON.stringify({
      level: 'info',
      event: 'vrrp.state',
      instance: 'VI_1',
      from: 'BACKUP',
      to: 'MASTER',
      reason: 'master-down timer',
    });
    assert.deepEqual(stateChange(line), { instance: 'VI_1', to: 'MASTER' });
    assert.equal(stateChange(JSON.stringify({ event: 'vip.add', instance: 'VI_1' })), undefined);
    assert.equal(stateChange('{"event":"vrrp.st'), undefined); // cut short by a kill
  });

  it("reads keepalived's Entering lines", () => {
    assert.deepEqual(stateChange('Tue Nov 24 21:00:00 2026: (VI_1) Entering BACKUP STATE (init)'), {
      instance: 'VI_1',
      to: 'BACKUP',
    });
    assert.deepEqual(stateChange('(VI_1) Entering MASTER STATE'), {
      instance: 'VI_1',
      to: 'MASTER',
    });
    assert.equal(stateChange('(VI_1) received lower priority advert'), undefined);
  });

  it('counts what follows the first entry to the intended role', () => {
    const m = (to: string) => ({ instance: 'VI_1', to });
    assert.deepEqual(changesAfterSettling([m('BACKUP'), m('MASTER')], 'MASTER'), []);
    assert.deepEqual(
      changesAfterSettling([m('BACKUP'), m('MASTER'), m('BACKUP'), m('MASTER')], 'MASTER'),
      [m('BACKUP'), m('MASTER')],
    );
    assert.equal(changesAfterSettling([m('BACKUP')], 'MASTER'), undefined);
  });
});

describe('event counts of a log', () => {
  it('counts JSON events, most frequent first, and skips other lines', () => {
    const ev = (event: string) => JSON.stringify({ level: 'info', event, msg: 'x' });
    const lines = [
      ev('rs.down'),
      ev('ipvs.dest.edit'),
      ev('rs.down'),
      '(VI_1) Entering MASTER STATE',
    ];
    assert.deepEqual(eventCounts(lines), [
      ['rs.down', 2],
      ['ipvs.dest.edit', 1],
    ]);
  });
});

describe('/proc/net/snmp counters', () => {
  it('pairs the name and value lines of a protocol', () => {
    const text =
      'Ip: Forwarding DefaultTTL\nIp: 2 64\n' +
      'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens\n' +
      'Tcp: 1 200 120000 -1 40131 7\n';
    const tcp = snmpCounters(text, 'Tcp');
    assert.equal(tcp.get('ActiveOpens'), 40131);
    assert.equal(tcp.get('MaxConn'), -1);
    assert.equal(snmpCounters(text, 'Ip').get('DefaultTTL'), 64);
    assert.throws(() => snmpCounters(text, 'Udp'), RangeError);
  });
});

describe('a failover from a capture', () => {
  const adverts = vrrpAdverts(readPcap(join(VECTORS_DIR, 'keepalived-v3-failover.pcap')));
  const roles = { vrid: 51, oldMaster: '192.168.0.48', newMaster: '192.168.0.58', afterUs: 0 };

  it("times keepalived's takeover after a priority-0 advert", () => {
    // tcpdump -tt: d1's priority 0 at 1795544023.343547, d2's first advert at .998143.
    const f = wireFailover(adverts, roles);
    assert.deepEqual(f, {
      lastOldUs: 1795544023343547,
      lastOldPriority: 0,
      firstNewUs: 1795544023998143,
      gapMs: 654.596,
    });
  });

  it('takes the new MASTER only after the given time, and needs both routers', () => {
    // d1 takes the VIP back at 1795544033.970002: no d2 advert follows, so no d1 → d2 takeover.
    assert.equal(wireFailover(adverts, { ...roles, afterUs: 1795544033000194 }), undefined);
    const back = wireFailover(adverts, {
      ...roles,
      oldMaster: '192.168.0.58',
      newMaster: '192.168.0.48',
      afterUs: 1795544023998143,
    });
    assert.equal(back?.lastOldPriority, 90); // d2 was preempted: its last advert is ordinary
    assert.equal(back?.firstNewUs, 1795544033970002);
    assert.equal(wireFailover(adverts, { ...roles, vrid: 52 }), undefined); // IPv6 only
  });
});
