import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../../src/config/load.js';
import { planFromConfig } from '../../../src/check/from-config.js';

const CONF = `
track_file weightfile {
  file /run/kts-weight
  weight 2
}
virtual_server 10.0.0.1 80 {
  delay_loop 6
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  quorum 2
  hysteresis 1
  quorum_up "/usr/bin/logger up"
  sorry_server 10.0.0.9 80
  ha_suspend
  alpha
  real_server 10.0.0.2 80 {
    weight 3
    inhibit_on_failure
    notify_down "/usr/bin/logger rs down"
    TCP_CHECK {
      connect_timeout 2
    }
    HTTP_GET {
      url {
        path /health
        digest 0123456789abcdef0123456789abcdef
        status_code 200-204
      }
      connect_port 8080
      retry 2
    }
  }
  real_server 10.0.0.3 80 {
    MISC_CHECK {
      misc_path "/bin/check.sh --fast"
      misc_dynamic
    }
    FILE_CHECK {
      track_file weightfile
    }
  }
}
virtual_server fwmark 7 {
  delay_loop 10
  real_server 10.0.0.4 {
    DNS_CHECK {
      name example.test
      type A
    }
  }
}
`;

test('plan from a configuration: names, defaults flowing VS → RS → checker, targets', () => {
  const { config } = loadConfigText(CONF, '/etc/keepalived/keepalived.conf', {
    host: { listInterfaces: () => ['eth0'], findCommand: (c) => c },
  });
  const { plan, diagnostics } = planFromConfig(config);
  assert.deepEqual(diagnostics, []);
  const [vs, fw] = plan.virtualServers;
  assert.equal(vs!.name, 'tcp 10.0.0.1:80');
  assert.equal(vs!.haSuspendAddress, '10.0.0.1');
  assert.deepEqual([vs!.quorum, vs!.hysteresis], [2, 1]);
  assert.deepEqual(vs!.quorumUp, { argv: ['/usr/bin/logger', 'up'] });
  assert.deepEqual(vs!.sorryServer, { address: '10.0.0.9', port: 80, family: 4 });
  const [rs1, rs2] = vs!.realServers;
  assert.equal(rs1!.name, '10.0.0.2:80');
  assert.deepEqual([rs1!.weight, rs1!.inhibitOnFailure], [3, true]);
  assert.deepEqual(rs1!.notifyDown, { argv: ['/usr/bin/logger', 'rs', 'down'] });
  const [tcp, httpGet] = rs1!.checkers;
  assert.deepEqual(tcp, {
    id: 0,
    name: 'TCP_CHECK',
    probe: {
      type: 'TCP_CHECK',
      endpoint: { address: '10.0.0.2', port: 80, family: 4, timeoutMs: 2000 },
    },
    timing: { delayLoopMs: 6000, retry: 1, delayBeforeRetryMs: 1000, warmupMs: 6000, alpha: true },
  });
  assert.equal(httpGet!.probe.type, 'HTTP_GET');
  if (httpGet!.probe.type !== 'HTTP_GET') return;
  assert.equal(httpGet!.probe.endpoint.port, 8080);
  assert.equal(httpGet!.probe.endpoint.timeoutMs, 5000);
  assert.deepEqual(httpGet!.probe.urls[0]!.statusCodes, [[200, 204]]);
  assert.equal(httpGet!.timing.retry, 2);
  assert.equal(httpGet!.timing.delayBeforeRetryMs, 3000, 'HTTP default delay_before_retry');
  const [misc, file] = rs2!.checkers;
  assert.deepEqual(misc!.probe, {
    type: 'MISC_CHECK',
    argv: ['/bin/check.sh', '--fast'],
    timeoutMs: 6000,
    dynamic: true,
  });
  assert.equal(misc!.timing.retry, 0, 'MISC default retry');
  assert.deepEqual(file!.probe, {
    type: 'FILE_CHECK',
    path: '/run/kts-weight',
    weight: 2,
    reverse: false,
  });
  assert.equal(fw!.name, 'fwmark 7');
  const dns = fw!.realServers[0]!.checkers[0]!;
  assert.equal(dns.timing.retry, 3, 'DNS default retry');
  assert.equal(dns.timing.delayBeforeRetryMs, 10_000, 'DNS delay_before_retry = delay_loop');
  assert.deepEqual(
    plan.virtualServers.flatMap((v) => v.realServers.flatMap((r) => r.checkers.map((c) => c.id))),
    [0, 1, 2, 3, 4],
  );
});

test('scripts run as their own user, else as the global script_user', () => {
  const { config } = loadConfigText(
    `
global_defs {
  script_user nobody nogroup
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  quorum_up "/bin/up"
  quorum_down "/bin/down" daemon
  real_server 10.0.0.2 80 {
    MISC_CHECK {
      misc_path /bin/check
    }
  }
}
`,
    '/etc/keepalived/keepalived.conf',
    { host: { listInterfaces: () => ['eth0'], findCommand: (c) => c } },
  );
  const vs = planFromConfig(config).plan.virtualServers[0]!;
  assert.deepEqual(vs.quorumUp, { argv: ['/bin/up'], user: 'nobody', group: 'nogroup' });
  assert.deepEqual(vs.quorumDown, { argv: ['/bin/down'], user: 'daemon' });
  const misc = vs.realServers[0]!.checkers[0]!.probe;
  assert.deepEqual(misc.type === 'MISC_CHECK' && [misc.user, misc.group], ['nobody', 'nogroup']);
});
