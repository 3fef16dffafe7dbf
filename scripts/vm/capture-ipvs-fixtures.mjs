// Captures raw IPVS generic netlink replies from the guest kernel into test/fixtures/ipvs, for the
// codec's decode tests. Run from the repo root after a build:
//   scripts/vm-run node scripts/vm/capture-ipvs-fixtures.mjs dist
// The table is created with ipvsadm (an independent encoder), so the fixtures also pin down that
// our decoder reads what ipvsadm wrote.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.argv[2] ?? 'dist');
const load = (path) => import(pathToFileURL(join(dist, path)).href);
const { NetlinkSocket } = await load('src/netlink/socket.js');
const { resolveFamily } = await load('src/netlink/genl.js');
const { NETLINK_GENERIC, NLM_F_DUMP } = await load('src/netlink/constants.js');
const { ipvsMessage } = await load('src/ipvs/codec.js');
const { IPVS_CMD_GET_SERVICE, IPVS_CMD_GET_DEST } = await load('src/ipvs/constants.js');

const ipvsadm = (...args) => execFileSync('ipvsadm', args, { stdio: 'inherit' });
ipvsadm('-C');
ipvsadm('-A', '-t', '10.0.0.1:80', '-s', 'wrr', '-p', '300', '-M', '255.255.255.0');
ipvsadm('-a', '-t', '10.0.0.1:80', '-r', '10.0.0.2:8080', '-m', '-w', '3', '-x', '100', '-y', '10');
ipvsadm('-a', '-t', '10.0.0.1:80', '-r', '10.0.0.3:80', '-g', '-w', '0');
ipvsadm('-A', '-u', '[2001:db8::]:53', '-s', 'sh', '-b', 'sh-fallback,sh-port');
ipvsadm('-A', '-f', '7', '-s', 'rr');

const nl = NetlinkSocket.open(NETLINK_GENERIC);
const family = await resolveFamily(nl, 'IPVS');
const dump = async (cmd, parts) =>
  (await nl.request(family.id, NLM_F_DUMP, ipvsMessage(cmd, parts), `capture ${cmd}`)).map((m) =>
    m.data.toString('hex'),
  );
const save = (name, payloads) =>
  writeFileSync(
    join('test/fixtures/ipvs', name),
    `${JSON.stringify({ captured: `Debian kernel ${execFileSync('uname', ['-r']).toString().trim()}`, payloads }, null, 2)}\n`,
  );
save('kernel-services.json', await dump(IPVS_CMD_GET_SERVICE));
const tcp = { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 };
save('kernel-dests.json', await dump(IPVS_CMD_GET_DEST, { serviceKey: tcp }));
nl.close();
ipvsadm('-C');
