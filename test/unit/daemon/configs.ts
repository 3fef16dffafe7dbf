// Real configuration models for daemon tests: keepalived.conf text through the project's loader,
// on a pretend host that has eth0 and no scripts.
import assert from 'node:assert/strict';
import type { KeepalivedConfig } from '../../../src/config/model.js';
import { hostWith, loadText } from '../../helpers/config-text.js';

export function configOf(text: string): KeepalivedConfig {
  const { config, diagnostics } = loadText(text, { host: hostWith([], ['lo', 'eth0']) });
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 'error'),
    [],
    text,
  );
  return config;
}

export function instanceText(name: string, vrid: number, settings = 'priority 100'): string {
  return `vrrp_instance ${name} {
    interface eth0
    virtual_router_id ${vrid}
    ${settings}
    virtual_ipaddress {
        10.0.0.${vrid}
    }
}
`;
}

/** A virtual server on 10.0.0.100:PORT; each real server is "ADDRESS [real_server settings]". */
export function virtualServerText(
  port: number,
  realServers: string[],
  settings = 'lb_algo rr',
): string {
  const rs = realServers
    .map((r) => {
      const [address, ...rest] = r.split(' ');
      return `    real_server ${address} ${port} {\n        ${rest.join(' ')}\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }`;
    })
    .join('\n');
  return `virtual_server 10.0.0.100 ${port} {
    ${settings}
    lb_kind DR
    protocol TCP
${rs}
}
`;
}
