// GARP and unsolicited NA frames against the frames real keepalived sent (../shared/vectors).
import { VECTORS_DIR } from '../../helpers/shared.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { readPcap } from '../../helpers/pcap.js';
import { buildGratuitousArp } from '../../../src/net/garp.js';
import { buildUnsolicitedNa } from '../../../src/net/ndp.js';
import { parseMac } from '../../../src/net/sockaddr.js';
import { internetChecksum } from '../../../src/net/inet.js';

const VECTORS = VECTORS_DIR;
const GARP_HEX =
  'ffffffffffff8eb4ea9424ff080600010800060400018eb4ea9424ffc0a80026ffffffffffffc0a80026';
const NA_HEX =
  '33330000000172b646e1532086dd6000000000203afffd000000000000000000000000000038ff02000000000000000000000000000188004f7620000000fd000000000000000000000000000038020172b646e15320';

test('gratuitous ARP is byte-identical to keepalived (d2 MAC, VIP 192.168.0.38)', () => {
  assert.equal(
    buildGratuitousArp(parseMac('8e:b4:ea:94:24:ff'), '192.168.0.38').toString('hex'),
    GARP_HEX,
  );
});

test('unsolicited NA is byte-identical to keepalived (d1 MAC, VIP fd00::38), checksum 0x4f76', () => {
  const f = buildUnsolicitedNa(parseMac('72:b6:46:e1:53:20'), 'fd00::38');
  assert.equal(f.toString('hex'), NA_HEX);
  assert.equal(f.readUInt16BE(14 + 40 + 2), 0x4f76);
});

test(
  'all 25 GARPs and 25 NAs of the captured v3 failover match our builder',
  { skip: !existsSync(VECTORS) && 'no vectors' },
  () => {
    const frames = readPcap(`${VECTORS}/keepalived-v3-failover.pcap`).map((r) => r.frame);
    const arps = frames.filter((f) => f.readUInt16BE(12) === 0x0806);
    const nas = frames.filter(
      (f) => f.readUInt16BE(12) === 0x86dd && f[14 + 6] === 58 && f[54] === 136,
    );
    assert.equal(arps.length, 25);
    assert.equal(nas.length, 25);
    for (const f of arps)
      assert.deepEqual(buildGratuitousArp(f.subarray(6, 12), '192.168.0.38'), f);
    for (const f of nas) assert.deepEqual(buildUnsolicitedNa(f.subarray(6, 12), 'fd00::38'), f);
  },
);

test('property: every NA carries a valid ICMPv6 checksum over its pseudo-header', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 6, maxLength: 6 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      (mac, addr) => {
        const vip = Array.from({ length: 8 }, (_, i) =>
          ((addr[2 * i] << 8) | addr[2 * i + 1]).toString(16),
        ).join(':');
        const f = buildUnsolicitedNa(mac, vip);
        const pseudo = Buffer.alloc(40);
        f.copy(pseudo, 0, 22, 38); // source
        f.copy(pseudo, 16, 38, 54); // destination
        pseudo.writeUInt32BE(32, 32);
        pseudo[39] = 58;
        assert.equal(internetChecksum(pseudo, f.subarray(54)), 0);
        assert.deepEqual(f.subarray(62, 78), Buffer.from(addr));
      },
    ),
  );
});
