// The desired IPVS table from real configuration text (parsed and built by src/config), plus
// checker verdicts and quorum states, and the `plan` lines derived from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredTable, expandRange, realServerKey } from '../../../src/ipvs/desired.js';
import { planLines } from '../../../src/ipvs/plan.js';
import { serviceId } from '../../../src/ipvs/reconcile.js';
import type { IpvsTable } from '../../../src/ipvs/types.js';
import { buildText } from '../../helpers/config-text.js';

const configOf = (text: string) => buildText(text).config;

/** "service: dest/weight/method ..." per service: compact enough to read the rules off. */
const outline = (t: IpvsTable) =>
  t.map(
    (e) =>
      `${serviceId(e.service.key)}: ${e.destinations.map((d) => `${d.address}:${d.port}/${d.weight}/${d.method}`).join(' ')}`,
  );

const GROUPS = `
virtual_server_group WEB {
  10.0.0.10-12 80
  fwmark 5
  fwmark 6 inet6
  fd00::10 443
}
virtual_server group WEB {
  lb_algo sh
  lb_kind DR
  protocol TCP
  persistence_timeout 600
  persistence_granularity 255.255.255.0
  sh-port
  real_server 10.0.1.1 80 { weight 3 }
  real_server 10.0.1.2 80 { weight 0 }
}
virtual_server fwmark 7 {
  lvs_sched mh
  lvs_method TUN type gue port 6080 csum
  real_server 10.0.1.5 { weight 1 }
}
virtual_server fd00::1 53 {
  lvs_sched rr
  lvs_method NAT
  protocol UDP
  ops
  real_server fd00:0::0002 53 {
    weight 2
    uthreshold 100
    lthreshold 10
  }
}
`;

test('groups expand to one service per address and fwmark, each with the same real servers', () => {
  const table = desiredTable(configOf(GROUPS));
  assert.deepEqual(outline(table), [
    'tcp 10.0.0.10:80: 10.0.1.1:80/3/dr 10.0.1.2:80/0/dr',
    'tcp 10.0.0.11:80: 10.0.1.1:80/3/dr 10.0.1.2:80/0/dr',
    'tcp 10.0.0.12:80: 10.0.1.1:80/3/dr 10.0.1.2:80/0/dr',
    'fwmark 5 inet: 10.0.1.1:80/3/dr 10.0.1.2:80/0/dr',
    'fwmark 6 inet6: 10.0.1.1:80/3/dr 10.0.1.2:80/0/dr',
    'tcp [fd00::10]:443: 10.0.1.1:80/3/dr 10.0.1.2:80/0/dr',
    'fwmark 7 inet: 10.0.1.5:0/1/tun',
    'udp [fd00::1]:53: fd00::2:53/2/nat',
  ]);
  const [first] = table;
  assert.deepEqual(first.service, {
    key: { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.10', port: 80 },
    scheduler: 'sh',
    flags: 0x1 | 0x10, // IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_SCHED_SH_PORT
    timeout: 600,
    netmask: '255.255.255.0',
  });
  assert.equal(table[4].service.netmask, '128', 'an IPv6 service without granularity: /128');
  const tun = table[6].destinations[0];
  assert.deepEqual([tun.tunnelType, tun.tunnelPort, tun.tunnelFlags], ['gue', 6080, 1]);
  const udp = table[7];
  assert.equal(udp.service.flags, 0x4, 'ops sets IP_VS_SVC_F_ONEPACKET');
  assert.deepEqual(
    [udp.destinations[0].upperThreshold, udp.destinations[0].lowerThreshold],
    [100, 10],
  );
});

test('ranges cross octet boundaries and refuse to run backwards', () => {
  assert.deepEqual(expandRange('10.0.0.254', '10.0.1.1'), [
    '10.0.0.254',
    '10.0.0.255',
    '10.0.1.0',
    '10.0.1.1',
  ]);
  assert.deepEqual(expandRange('fd00::fffe', 'fd00::1:0'), [
    'fd00::fffe',
    'fd00::ffff',
    'fd00::1:0',
  ]);
  assert.throws(() => expandRange('10.0.0.5', '10.0.0.4'), { code: 'IPVS_BAD_RANGE' });
});

const POOL = `
virtual_server 10.0.0.1 80 {
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  quorum 3
  hysteresis 1
  sorry_server 10.0.9.9 8080
  real_server 10.0.1.1 8080 {
    weight 2
    inhibit_on_failure
    TCP_CHECK { connect_timeout 1 }
  }
  real_server 10.0.1.2 8080 {
    weight 2
    TCP_CHECK { connect_timeout 1 }
  }
}
`;

test('verdicts: alive → weight (dynamic weights too); down → removed, or 0 with inhibit_on_failure', () => {
  const config = configOf(POOL);
  const vs = config.virtualServers[0];
  const key = (i: number) => realServerKey(vs, vs.realServers[i]);
  assert.equal(key(0), 'tcp 10.0.0.1:80 -> 10.0.1.1:8080');
  assert.deepEqual(
    outline(desiredTable(config)),
    ['tcp 10.0.0.1:80: 10.0.1.1:8080/2/nat 10.0.1.2:8080/2/nat'],
    'start: alive',
  );
  const oneDown = new Map([
    [key(0), { alive: false, weight: 2 }],
    [key(1), { alive: true, weight: 5 }],
  ]);
  assert.deepEqual(
    outline(
      desiredTable(config, { verdicts: oneDown, quorumUp: new Map([['tcp 10.0.0.1:80', true]]) }),
    ),
    ['tcp 10.0.0.1:80: 10.0.1.1:8080/0/nat 10.0.1.2:8080/5/nat'],
  );
  const otherDown = new Map([
    [key(0), { alive: true, weight: 2 }],
    [key(1), { alive: false, weight: 2 }],
  ]);
  assert.deepEqual(
    outline(
      desiredTable(config, { verdicts: otherDown, quorumUp: new Map([['tcp 10.0.0.1:80', true]]) }),
    ),
    ['tcp 10.0.0.1:80: 10.0.1.1:8080/2/nat'],
  );
});

test('quorum lost: the sorry server replaces the pool; without a quorum state it is computed', () => {
  const config = configOf(POOL);
  const vs = config.virtualServers[0];
  const verdicts = new Map([
    [realServerKey(vs, vs.realServers[0]), { alive: true, weight: 2 }],
    [realServerKey(vs, vs.realServers[1]), { alive: false, weight: 2 }],
  ]);
  // Live weight 2 < quorum 3 + hysteresis 1: at start the quorum is down.
  assert.deepEqual(outline(desiredTable(config, { verdicts })), [
    'tcp 10.0.0.1:80: 10.0.1.1:8080/0/nat 10.0.9.9:8080/1/nat',
  ]);
  assert.deepEqual(
    outline(desiredTable(config, { verdicts, quorumUp: new Map([['tcp 10.0.0.1:80', true]]) })),
    ['tcp 10.0.0.1:80: 10.0.1.1:8080/2/nat'],
    "the caller's hysteresis state wins: still up",
  );
});

test('alpha: real servers with checkers start down; sorry_server_inhibit keeps the sorry server at 0', () => {
  const config = configOf(`
virtual_server 10.0.0.1 80 {
  lvs_sched rr
  lvs_method DR
  protocol TCP
  alpha
  sorry_server 10.0.9.9 80
  sorry_server_inhibit
  real_server 10.0.1.1 80 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 10.0.1.2 80 {
    weight 1
  }
}`);
  const vs = config.virtualServers[0];
  assert.deepEqual(outline(desiredTable(config)), [
    'tcp 10.0.0.1:80: 10.0.1.2:80/1/dr 10.0.9.9:80/0/dr',
  ]);
  const up = new Map([[realServerKey(vs, vs.realServers[0]), { alive: true, weight: 1 }]]);
  assert.deepEqual(outline(desiredTable(config, { verdicts: up })), [
    'tcp 10.0.0.1:80: 10.0.1.1:80/1/dr 10.0.1.2:80/1/dr 10.0.9.9:80/0/dr',
  ]);
});

test('plan: one line per change, then a summary naming the services left alone', () => {
  const config = configOf(POOL);
  const kernel: IpvsTable = [
    {
      service: {
        key: { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 },
        scheduler: 'rr',
        flags: 0,
        timeout: 0,
        netmask: '255.255.255.255',
      },
      destinations: [
        {
          family: 4,
          address: '10.0.1.1',
          port: 8080,
          weight: 2,
          method: 'nat',
          upperThreshold: 0,
          lowerThreshold: 0,
        },
      ],
    },
    {
      service: {
        key: { kind: 'fwmark', family: 4, fwmark: 99 },
        scheduler: 'rr',
        flags: 0,
        timeout: 0,
        netmask: '255.255.255.255',
      },
      destinations: [],
    },
  ];
  assert.deepEqual(planLines(config, kernel), [
    'edit service tcp 10.0.0.1:80 (scheduler wrr), was tcp 10.0.0.1:80 (scheduler rr)',
    'add dest tcp 10.0.0.1:80 -> 10.0.1.2:8080 (nat, weight 2)',
    '2 changes; 1 service(s) not in the configuration left untouched',
  ]);
  const applied = desiredTable(config);
  assert.deepEqual(planLines(config, applied), [
    'IPVS table matches the configuration: no changes',
  ]);
});
