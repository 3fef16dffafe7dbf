// Small configuration models for daemon tests. They fill only the fields the daemon reads (names,
// keys, VIPs, real servers, dump file settings); the config engineer's loader builds complete ones.
import type {
  Checker,
  KeepalivedConfig,
  RealServer,
  VirtualServer,
  VrrpInstance,
} from '../../../src/config/model.js';

const pos = { file: 'keepalived.conf', line: 1, col: 1 };

export function instance(name: string, over: Partial<VrrpInstance> = {}): VrrpInstance {
  return {
    name,
    state: 'BACKUP',
    interface: 'eth0',
    virtualRouterId: 51,
    priority: 100,
    advertInt: 1,
    virtualIpaddresses: [
      {
        address: '10.0.0.100',
        prefixLength: 32,
        family: 4,
        pos,
      } as VrrpInstance['virtualIpaddresses'][0],
    ],
    pos,
    ...over,
  } as VrrpInstance;
}

export function checker(type: Checker['type']): Checker {
  return { type, pos } as Checker;
}

export function realServer(
  address: string,
  port: number,
  over: Partial<RealServer> = {},
): RealServer {
  return {
    address,
    family: 4,
    port,
    weight: 1,
    timing: { delayLoop: 6, connectTimeout: 3, alpha: false },
    checkers: [checker('TCP_CHECK')],
    pos,
    ...over,
  } as RealServer;
}

export function virtualServer(
  address: string,
  port: number,
  realServers: RealServer[],
  over: Partial<VirtualServer> = {},
): VirtualServer {
  return {
    key: { kind: 'address', address, family: 4, port },
    protocol: 'tcp',
    lvsSched: 'rr',
    lvsMethod: 'dr',
    realServers,
    pos,
    ...over,
  } as VirtualServer;
}

export function config(over: Partial<KeepalivedConfig> = {}): KeepalivedConfig {
  return {
    files: ['keepalived.conf'],
    configId: 'test',
    globalDefs: { routerId: 'LVS_A', unmodelled: [] } as unknown as KeepalivedConfig['globalDefs'],
    vrrpInstances: [],
    virtualServers: [],
    ...over,
  } as KeepalivedConfig;
}
