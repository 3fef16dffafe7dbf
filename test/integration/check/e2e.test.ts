// Config text → checkers in their worker → verdicts → desired IPVS table → dry-run backend:
// the path a real server's failure takes to the table, with real servers on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { startCheckers } from '../../../src/check/supervisor.js';
import type { RealServerState } from '../../../src/check/verdict.js';
import { loadConfigText } from '../../../src/config/load.js';
import { applyOps, DryRunBackend } from '../../../src/ipvs/backend.js';
import { desiredTable } from '../../../src/ipvs/desired.js';
import { diff } from '../../../src/ipvs/reconcile.js';
import { destinationName } from '../../../src/ipvs/types.js';
import { captureLog } from '../../fixtures/check/log-capture.js';
import { closedTcpPort, tcpServer, relisten } from '../../fixtures/check/servers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a real server failing and recovering moves through to the IPVS table', async () => {
  const web = await tcpServer(() => undefined);
  const spare = await closedTcpPort();
  const conf = `
virtual_server 10.0.0.1 80 {
  delay_loop 0.2
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  sorry_server 10.0.0.9 80
  real_server 127.0.0.1 ${web.port} {
    weight 4
    TCP_CHECK {
      connect_timeout 1
      retry 0
      warmup 0
    }
  }
  real_server 127.0.0.2 ${spare} {
    inhibit_on_failure
    TCP_CHECK {
      connect_ip 127.0.0.1
      connect_timeout 1
      warmup 0
    }
  }
}
`;
  const { config, diagnostics } = loadConfigText(conf, '/etc/keepalived/keepalived.conf', {
    host: { listInterfaces: () => ['lo'], findCommand: (c) => c },
  });
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const { log } = captureLog();
  const backend = new DryRunBackend();
  const verdicts = new Map<string, RealServerState>();
  const quorumUp = new Map<string, boolean>();
  let chain = Promise.resolve();
  const sync = () => {
    chain = chain.then(async () => {
      const ops = diff(desiredTable(config, { verdicts, quorumUp }), await backend.read());
      await applyOps(backend, ops, log);
    });
    return chain;
  };
  const dests = async () =>
    Object.fromEntries(
      (await backend.read())[0]!.destinations.map((d) => [destinationName(d), d.weight]),
    );
  const handle = startCheckers(config, { log, workerLog: { level: 'silent' } });
  handle.on('verdict', (v) => {
    for (const rs of v.realServers) {
      verdicts.set(`${v.virtualServer} -> ${rs.realServer}`, {
        alive: rs.alive,
        weight: rs.weight,
      });
    }
    quorumUp.set(v.virtualServer, v.quorumUp);
    void sync();
  });
  const until = async (want: Record<string, number>) => {
    const end = Date.now() + 6000;
    for (;;) {
      await chain;
      const got = await dests();
      if (isDeepStrictEqual(got, want)) return;
      if (Date.now() > end) assert.deepEqual(got, want);
      await sleep(20);
    }
  };
  try {
    await handle.ready;
    await sync();
    // At start both are alive (no alpha).
    assert.deepEqual(await dests(), {
      [`127.0.0.1:${web.port}`]: 4,
      [`127.0.0.2:${spare}`]: 1,
    });
    // The spare's port is closed: down, kept at weight 0 (inhibit_on_failure).
    await until({ [`127.0.0.1:${web.port}`]: 4, [`127.0.0.2:${spare}`]: 0 });
    // The web server goes too: quorum lost, the sorry server takes over.
    await web.close();
    await until({ [`127.0.0.2:${spare}`]: 0, '10.0.0.9:80': 1 });
    // It comes back: the pool returns and the sorry server leaves.
    const back = relisten(web.port);
    try {
      await until({ [`127.0.0.1:${web.port}`]: 4, [`127.0.0.2:${spare}`]: 0 });
    } finally {
      back.close();
    }
  } finally {
    await handle.stop();
  }
});
