import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Checker, HttpCheck } from '../../../src/config/model.js';
import { errors, loadText, summary } from '../../helpers/config-text.js';

test('a virtual server without protocol, scheduler or method gets UDP, wlc and NAT with warnings', () => {
  const r = loadText(`
virtual_server 10.0.0.1 80 {
  real_server 10.0.1.1 80 {
    TCP_CHECK {
    }
  }
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.pos?.line} ${d.severity} ${d.message}`),
    [
      '7 warning Virtual server [10.0.0.1]:udp:80: no protocol set - defaulting to UDP',
      "7 warning Virtual server [10.0.0.1]:udp:80: no scheduler set, setting default 'wlc'",
      '7 warning Virtual server [10.0.0.1]:udp:80: no forwarding method set, setting default NAT',
    ],
  );
  const vs = r.config.virtualServers[0];
  assert.deepEqual(
    [vs.protocol, vs.lvsSched, vs.lvsMethod, vs.quorum, vs.hysteresis, vs.weight],
    ['udp', 'wlc', 'nat', 1, 0, 1],
  );
  assert.deepEqual(vs.timing, { delayLoop: 60, connectTimeout: 5, alpha: false });
  assert.deepEqual(vs.key, { kind: 'address', address: '10.0.0.1', family: 4, port: 80 });
  const rs = vs.realServers[0];
  assert.deepEqual(
    [rs.port, rs.weight, rs.lvsMethod, rs.inhibitOnFailure, rs.smtpAlert],
    [80, 1, 'nat', false, true],
  );
  assert.deepEqual(rs.checkers[0].type === 'TCP_CHECK' && rs.checkers[0].timing, {
    delayLoop: 60,
    connectTimeout: 5,
    retry: 1,
    delayBeforeRetry: 1,
    warmup: 60,
    alpha: false,
    logAllFailures: false,
  });
});

test('timing flows virtual server → real server → checker, with per-type defaults', () => {
  const r = loadText(`
virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo rr
  lb_kind DR
  delay_loop 20
  connect_timeout 4
  alpha
  real_server 10.0.1.1 80 {
    retry 2
    HTTP_GET {
      url {
        path /
      }
    }
    MISC_CHECK {
      misc_path /bin/check
    }
    DNS_CHECK {
      connect_timeout 1
      warmup 0
    }
  }
  real_server 10.0.1.2 8080 {
    delay_loop 7
    alpha off
    MISC_CHECK {
      misc_path /bin/check
      delay_before_retry 9
    }
    DNS_CHECK {
    }
  }
}`);
  const timing = (c: Checker) => ('timing' in c ? c.timing : undefined);
  const [rs1, rs2] = r.config.virtualServers[0].realServers;
  assert.deepEqual(rs1.checkers.map(timing), [
    {
      delayLoop: 20,
      connectTimeout: 4,
      retry: 2,
      delayBeforeRetry: 3,
      warmup: 20,
      alpha: true,
      logAllFailures: false,
    },
    {
      delayLoop: 20,
      connectTimeout: 4,
      retry: 2,
      delayBeforeRetry: 1,
      warmup: 20,
      alpha: true,
      logAllFailures: false,
    },
    {
      delayLoop: 20,
      connectTimeout: 1,
      retry: 2,
      delayBeforeRetry: 20,
      warmup: 0,
      alpha: true,
      logAllFailures: false,
    },
  ]);
  assert.deepEqual(rs2.checkers.map(timing), [
    {
      delayLoop: 7,
      connectTimeout: 4,
      retry: 0,
      delayBeforeRetry: 9,
      warmup: 7,
      alpha: false,
      logAllFailures: false,
    },
    {
      delayLoop: 7,
      connectTimeout: 4,
      retry: 3,
      delayBeforeRetry: 7,
      warmup: 7,
      alpha: false,
      logAllFailures: false,
    },
  ]);
  // DR with a different real server port: reset to the VS port, with a warning.
  assert.equal(rs2.port, 80);
  assert.deepEqual(summary(r.diagnostics), ['24:warning:port-reset']);
  assert.deepEqual(rs1.checkers[1].type === 'MISC_CHECK' && rs1.checkers[1].timeout, 20);
});

test('every checker type builds with its own keywords', () => {
  const r = loadText(`
virtual_server fwmark 5 {
  ip_family inet6
  lvs_sched sh
  lvs_method TUN type gue port 6080 csum
  persistence_timeout
  real_server 2001:db8::10 {
    weight 3
    HTTP_GET {
      url {
        path /a
        digest 640205B7B0FC66C1EA91C463FAC6334D
        status_code 200 300-302
        virtualhost a.example
      }
      url {
        path /b
      }
      http_protocol 1.1
      connect_port 8080
      bindto 2001:db8::1
      fast_recovery
      nb_get_retry 4
    }
    SSL_GET {
      url {
        path /
      }
    }
    SMTP_CHECK {
      helo_name mx.example
      host {
        connect_ip 2001:db8::11
        connect_port 25
      }
    }
    UDP_CHECK {
      payload 0a0B
      require_reply 0aXx
      max_reply_length 64
    }
    PING_CHECK {
    }
    FILE_CHECK {
      track_file tf
      weight 5 reverse
    }
    BFD_CHECK {
      name bfd1
    }
  }
}`);
  const vs = r.config.virtualServers[0];
  assert.deepEqual(vs.key, { kind: 'fwmark', fwmark: 5, family: 6 });
  assert.deepEqual(
    [vs.lvsMethod, vs.tunnel, vs.persistenceTimeout],
    ['tun', { type: 'gue', port: 6080, checksum: 'csum' }, 360],
  );
  const rs = vs.realServers[0];
  assert.deepEqual([rs.address, rs.port, rs.weight, rs.lvsMethod], ['2001:db8::10', 0, 3, 'tun']);
  const types = rs.checkers.map((c) => c.type);
  // FILE_CHECK and BFD_CHECK name a track_file and a bfd_instance that do not exist: dropped.
  assert.deepEqual(types, ['HTTP_GET', 'SSL_GET', 'SMTP_CHECK', 'UDP_CHECK', 'PING_CHECK']);
  const http = rs.checkers[0] as HttpCheck;
  assert.deepEqual(
    http.urls.map((u) => [u.path, u.digest, u.statusCodes, u.virtualhost]),
    [
      [
        '/a',
        '640205b7b0fc66c1ea91c463fac6334d',
        [
          [200, 200],
          [300, 302],
        ],
        'a.example',
      ],
      ['/b', undefined, [[200, 299]], undefined],
    ],
  );
  assert.deepEqual(
    [http.httpProtocol, http.connection, http.fastRecovery, http.timing.retry],
    ['1.1', { connectPort: 8080, bindTo: '2001:db8::1' }, true, 4],
  );
  const smtp = rs.checkers[2];
  assert.ok(smtp.type === 'SMTP_CHECK');
  assert.deepEqual(
    [smtp.heloName, smtp.hosts.map((h) => [h.connectIp, h.connectPort])],
    ['mx.example', [['2001:db8::11', 25]]],
  );
  const udp = rs.checkers[3];
  assert.ok(udp.type === 'UDP_CHECK');
  assert.deepEqual(
    [udp.payload, udp.requireReply, udp.minReplyLength, udp.maxReplyLength],
    ['0a0b', '0axx', 0, 64],
  );
  assert.deepEqual(summary(r.diagnostics), [
    '23:warning:deprecated-keyword',
    '32:warning:deprecated-keyword',
    '44:error:unknown-reference',
    '48:error:unknown-reference',
  ]);
});

test('sorry server, quorum bounds, inhibit and scripts', () => {
  const r = loadText(`
virtual_server 10.0.0.1 443 {
  protocol tcp
  lvs_sched wrr
  lvs_method NAT
  quorum 5
  hysteresis 9
  quorum_up "/bin/up yes"
  quorum_down /bin/down
  omega
  inhibit_on_failure
  sorry_server 10.0.9.9
  sorry_server_inhibit
  real_server 10.0.1.1 8443 {
    weight 2
    notify_up /bin/rs-up
    inhibit_on_failure off
    TCP_CHECK {
    }
  }
  real_server 10.0.1.2 8443 {
    weight 1
    TCP_CHECK {
    }
  }
  real_server 10.0.1.2 8443 {
    TCP_CHECK {
    }
  }
}`);
  const vs = r.config.virtualServers[0];
  assert.deepEqual([vs.quorum, vs.hysteresis, vs.omega, vs.sorryServerInhibit], [3, 2, true, true]);
  assert.deepEqual([vs.sorryServer?.address, vs.sorryServer?.port], ['10.0.9.9', 443]);
  assert.deepEqual([vs.quorumUp?.argv, vs.quorumDown?.argv], [['/bin/up', 'yes'], ['/bin/down']]);
  assert.deepEqual(
    vs.realServers.map((rs) => [
      rs.address,
      rs.port,
      rs.weight,
      rs.inhibitOnFailure,
      rs.notifyUp?.command,
    ]),
    [
      ['10.0.1.1', 8443, 2, false, '/bin/rs-up'],
      ['10.0.1.2', 8443, 1, true, undefined],
    ],
  );
  assert.deepEqual(summary(r.diagnostics), [
    '26:error:duplicate-real-server',
    '30:warning:quorum-too-high',
    '30:warning:hysteresis-too-high',
  ]);
});

test('bad values: scheduler, method, protocol, weights, addresses; empty servers are dropped', () => {
  const r = loadText(`
virtual_server 10.0.0.1 80 {
  protocol TCPX
  lvs_sched roundrobin
  lvs_method MASQ
  real_server 10.0.1.1 80 {
    weight -1
    TCP_CHECK {
      connect_port 70000
    }
  }
  real_server 10.0.1.x 80 {
  }
}
virtual_server 10.0.0.2 80 {
  protocol UDP
}
virtual_server 10.0.0.300 80 {
}`);
  assert.deepEqual(summary(errors(r)), [
    '3:error:invalid-value',
    '4:error:invalid-value',
    '5:error:invalid-value',
    '7:error:out-of-range',
    '9:error:out-of-range',
    '12:error:invalid-address',
    '17:error:no-real-servers',
    '18:error:invalid-address',
  ]);
  assert.equal(r.config.virtualServers.length, 1);
});

test('virtual_server_group entries: addresses, ranges, subnets, fwmarks', () => {
  const r = loadText(`
virtual_server_group G {
  10.0.0.1 8080
  192.168.200.3-10 80
  10.1.0.0/24 443
  ae00::2-9 80
  fwmark 1
  fwmark 2 inet6
  192.168.1.9-3 80
  fwmark 3 ipx
}
virtual_server group G {
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  real_server 10.9.0.1 80 {
    TCP_CHECK {
    }
  }
}
virtual_server group NOPE {
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  real_server 10.9.0.1 80 {
    TCP_CHECK {
    }
  }
}`);
  const g = r.config.virtualServerGroups[0];
  assert.deepEqual(
    g.entries.map((e) =>
      e.kind === 'fwmark' ? ['fwmark', e.fwmark, e.family] : [e.address, e.lastAddress, e.port],
    ),
    [
      ['10.0.0.1', undefined, 8080],
      ['192.168.200.3', '192.168.200.10', 80],
      ['10.1.0.0', undefined, 443],
      ['ae00::2', 'ae00::9', 80],
      ['fwmark', 1, undefined],
      ['fwmark', 2, 6],
    ],
  );
  assert.deepEqual(
    r.config.virtualServers.map((v) => v.key),
    [{ kind: 'group', group: 'G' }],
  );
  assert.deepEqual(summary(r.diagnostics), [
    '9:error:invalid-range',
    '10:error:invalid-value',
    '21:error:unknown-reference',
  ]);
});

test("surplus words are ignored with a warning: ';' does not separate statements", () => {
  const r = loadText(`
virtual_server 10.0.0.1 80 {
  lvs_sched rr ; protocol tcp
  lb_kind NAT
  real_server 10.0.1.1 80 {
    weight 1 2
    TCP_CHECK {
    }
  }
}`);
  const extra = r.diagnostics.filter((d) => d.code === 'extra-parameters');
  assert.deepEqual(
    extra.map((d) => [d.pos?.line, d.pos?.col, d.message, d.hint]),
    [
      [
        3,
        16,
        "'lvs_sched' takes 1 parameter; ignoring '; protocol tcp'",
        "';' does not separate statements: put each on its own line",
      ],
      [6, 14, "'weight' takes 1 parameter; ignoring '2'", undefined],
    ],
  );
  // As in keepalived, the protocol was not set: UDP by default.
  assert.equal(r.config.virtualServers[0].protocol, 'udp');
});

test('a keyword written in the wrong block says where it belongs', () => {
  const r = loadText(`
real_server 10.0.0.1 80 {
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  lvs_sched rr
  virtual_ipaddress {
    10.0.0.1
  }
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.pos?.line, d.message, d.hint]),
    [
      [2, "Unknown keyword 'real_server'", "'real_server' belongs in virtual_server"],
      [7, "Unknown keyword 'lvs_sched'", "'lvs_sched' belongs in virtual_server"],
    ],
  );
});
