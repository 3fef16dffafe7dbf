// The check plan of a configuration: every virtual server with its real servers and their
// checkers, timing in milliseconds, connection targets resolved (connect_ip/connect_port over the
// real server's address), and names as logs print them. Settings Node cannot honour (bind_if,
// checker fwmark) and checkers we do not run (BFD_CHECK) come back as warnings.

import { isIPv6 } from 'node:net';
import type {
  Checker,
  CheckerConnection,
  CheckerTiming,
  KeepalivedConfig,
  RealServer,
  ScriptCommand,
  VirtualServer,
} from '../config/model.js';
import type { Diagnostic } from '../config/diagnostic.js';
import { destinationName, serviceName } from '../ipvs/types.js';
import type {
  CheckPlan,
  CheckerPlan,
  CheckerTimingMs,
  Endpoint,
  ProbeSpec,
  RealServerPlan,
  ScriptPlan,
  VirtualServerPlan,
} from './plan.js';

/** FILE_CHECK re-reads its file this often, besides on change (runner.ts watches it). */
export const FILE_CHECK_POLL_MS = 1000;

const ms = (seconds: number) => Math.round(seconds * 1000);

export function virtualServerName(vs: VirtualServer): string {
  const k = vs.key;
  if (k.kind === 'group') return `group ${k.group}`;
  if (k.kind === 'fwmark')
    return serviceName({ kind: 'fwmark', family: k.family, fwmark: k.fwmark });
  return serviceName({
    kind: 'addr',
    family: k.family,
    protocol: vs.protocol,
    address: k.address,
    port: k.port,
  });
}

export function planFromConfig(config: KeepalivedConfig): {
  plan: CheckPlan;
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  let nextId = 0;

  // A script names its user, else the global script_user applies (keepalived.md §3.10).
  const scriptOf = (cmd: ScriptCommand): ScriptPlan => {
    const who = cmd.user !== undefined ? cmd : config.globalDefs.scriptUser;
    const script: ScriptPlan = { argv: cmd.argv };
    if (who?.user !== undefined) script.user = who.user;
    if (who?.group !== undefined) script.group = who.group;
    return script;
  };

  const timingMs = (t: CheckerTiming): CheckerTimingMs => ({
    delayLoopMs: ms(t.delayLoop),
    retry: t.retry,
    delayBeforeRetryMs: ms(t.delayBeforeRetry),
    warmupMs: ms(t.warmup),
    alpha: t.alpha,
  });

  const endpoint = (
    rs: RealServer,
    c: CheckerConnection,
    timeoutSeconds: number,
    checker: Checker,
  ) => {
    if (c.bindIf !== undefined || c.fwmark !== undefined) {
      diagnostics.push({
        severity: 'warning',
        code: 'check-unsupported',
        message: `${checker.type}: ${c.bindIf !== undefined ? 'bind_if' : 'fwmark'} is not supported by keepalived-ts checkers and is ignored`,
        pos: checker.pos,
      });
    }
    const address = c.connectIp ?? rs.address;
    const ep: Endpoint = {
      address,
      port: c.connectPort ?? rs.port,
      family: isIPv6(address) ? 6 : 4,
      timeoutMs: ms(timeoutSeconds),
    };
    if (c.bindTo !== undefined) ep.bindTo = c.bindTo;
    if (c.bindPort !== undefined) ep.bindPort = c.bindPort;
    return ep;
  };

  const probeOf = (
    vs: VirtualServer,
    rs: RealServer,
    checker: Checker,
  ): { probe: ProbeSpec; timing: CheckerTimingMs } | undefined => {
    switch (checker.type) {
      case 'TCP_CHECK':
      case 'PING_CHECK':
        return {
          probe: {
            type: checker.type,
            endpoint: endpoint(rs, checker.connection, checker.timing.connectTimeout, checker),
          },
          timing: timingMs(checker.timing),
        };
      case 'HTTP_GET':
      case 'SSL_GET': {
        const virtualhost = checker.virtualhost ?? rs.virtualhost ?? vs.virtualhost;
        return {
          probe: {
            type: checker.type,
            endpoint: endpoint(rs, checker.connection, checker.timing.connectTimeout, checker),
            urls: checker.urls.map((u) => ({
              path: u.path,
              digest: u.digest,
              statusCodes: u.statusCodes,
              virtualhost: u.virtualhost,
              ...(u.regex !== undefined ? { regex: u.regex, regexNoMatch: u.regexNoMatch } : {}),
            })),
            httpProtocol: checker.httpProtocol ?? '1.0',
            virtualhost,
            enableSni: checker.enableSni,
            tls: config.ssl && {
              ca: config.ssl.ca,
              certificate: config.ssl.certificate,
              key: config.ssl.key,
              password: config.ssl.password,
            },
          },
          timing: timingMs(checker.timing),
        };
      }
      case 'MISC_CHECK':
        return {
          probe: {
            type: 'MISC_CHECK',
            ...scriptOf(checker.script),
            timeoutMs: ms(checker.timeout),
            dynamic: checker.dynamic,
          },
          timing: timingMs(checker.timing),
        };
      case 'SMTP_CHECK':
        return {
          probe: {
            type: 'SMTP_CHECK',
            endpoints: [checker.connection, ...checker.hosts].map((c) =>
              endpoint(rs, c, checker.timing.connectTimeout, checker),
            ),
            heloName: checker.heloName,
          },
          timing: timingMs(checker.timing),
        };
      case 'DNS_CHECK':
        return {
          probe: {
            type: 'DNS_CHECK',
            endpoint: endpoint(rs, checker.connection, checker.timing.connectTimeout, checker),
            queryType: checker.queryType,
            name: checker.name,
          },
          timing: timingMs(checker.timing),
        };
      case 'UDP_CHECK':
        return {
          probe: {
            type: 'UDP_CHECK',
            endpoint: endpoint(rs, checker.connection, checker.timing.connectTimeout, checker),
            payload: checker.payload,
            requireReply:
              checker.requireReply === undefined
                ? undefined
                : { hex: checker.requireReply || undefined },
            minReplyLength: checker.minReplyLength,
            maxReplyLength: checker.maxReplyLength,
          },
          timing: timingMs(checker.timing),
        };
      case 'FILE_CHECK': {
        const tf = config.trackFiles.find((f) => f.name === checker.trackFile);
        if (!tf) {
          diagnostics.push({
            severity: 'error',
            code: 'check-unknown-track-file',
            message: `FILE_CHECK: track_file ${checker.trackFile} is not defined`,
            pos: checker.pos,
          });
          return undefined;
        }
        return {
          probe: {
            type: 'FILE_CHECK',
            path: tf.path,
            weight: checker.weight ?? tf.weight,
            reverse: checker.weight !== undefined ? checker.reverse : tf.weightReverse,
          },
          // The file is the state: no retries, no alpha, looked at right away and then polled.
          timing: {
            delayLoopMs: FILE_CHECK_POLL_MS,
            retry: 0,
            delayBeforeRetryMs: FILE_CHECK_POLL_MS,
            warmupMs: 0,
            alpha: false,
          },
        };
      }
      case 'BFD_CHECK':
        diagnostics.push({
          severity: 'warning',
          code: 'check-unsupported',
          message: `BFD_CHECK ${checker.name} is not supported by keepalived-ts and is ignored`,
          pos: checker.pos,
        });
        return undefined;
    }
  };

  const virtualServers: VirtualServerPlan[] = config.virtualServers.map((vs) => {
    const name = virtualServerName(vs);
    const realServers: RealServerPlan[] = vs.realServers.map((rs) => {
      const seen = new Map<string, number>();
      const rsName = destinationName({ family: rs.family, address: rs.address, port: rs.port });
      const checkers: CheckerPlan[] = [];
      for (const c of rs.checkers) {
        const built = probeOf(vs, rs, c);
        if (!built) continue;
        const n = (seen.get(c.type) ?? 0) + 1;
        seen.set(c.type, n);
        const logAll =
          config.globalDefs.checkerLogAllFailures || ('timing' in c && c.timing.logAllFailures);
        checkers.push({
          id: nextId++,
          name: n === 1 ? c.type : `${c.type}#${n}`,
          ...built,
          ...(logAll ? { logAllFailures: true } : {}),
        });
      }
      return {
        name: rsName,
        address: rs.address,
        port: rs.port,
        family: rs.family,
        weight: rs.weight,
        inhibitOnFailure: rs.inhibitOnFailure,
        notifyUp: rs.notifyUp && scriptOf(rs.notifyUp),
        notifyDown: rs.notifyDown && scriptOf(rs.notifyDown),
        checkers,
      };
    });
    let haSuspendAddress: string | undefined;
    if (vs.haSuspend) {
      if (vs.key.kind === 'address') haSuspendAddress = vs.key.address;
      else {
        diagnostics.push({
          severity: 'warning',
          code: 'check-ha-suspend-no-address',
          message: `${name}: ha_suspend needs a virtual server address; checkers always run`,
          pos: vs.pos,
        });
      }
    }
    return {
      name,
      haSuspendAddress,
      quorum: vs.quorum,
      hysteresis: vs.hysteresis,
      quorumUp: vs.quorumUp && scriptOf(vs.quorumUp),
      quorumDown: vs.quorumDown && scriptOf(vs.quorumDown),
      sorryServer: vs.sorryServer && {
        address: vs.sorryServer.address,
        port: vs.sorryServer.port,
        family: vs.sorryServer.family,
      },
      sorryServerInhibit: vs.sorryServerInhibit,
      realServers,
    };
  });
  return { plan: { virtualServers }, diagnostics };
}
