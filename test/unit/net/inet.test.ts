import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addressBytes, formatAddress, internetChecksum } from '../../../src/net/inet.js';

/** The WHATWG URL parser's serialisation of an address: an independent RFC 5952 formatter. */
const urlForm = (addr: string) => {
  const host = new URL(`http://${addr.includes(':') ? `[${addr}]` : addr}/`).hostname;
  return host.startsWith('[') ? host.slice(1, -1) : host;
};

test('addressBytes: IPv4, IPv6 with ::, an embedded IPv4 tail, a zone suffix', () => {
  assert.equal(addressBytes('192.168.0.38').toString('hex'), 'c0a80026');
  assert.equal(addressBytes('fe80::1').toString('hex'), 'fe800000000000000000000000000001');
  assert.equal(addressBytes('::').toString('hex'), '0'.repeat(32));
  assert.equal(addressBytes('1::').toString('hex'), '0001' + '0'.repeat(28));
  assert.equal(
    addressBytes('::ffff:192.0.2.1').toString('hex'),
    '00000000000000000000ffffc0000201',
  );
  assert.equal(
    addressBytes('64:ff9b::10.0.0.1').toString('hex'),
    '0064ff9b00000000000000000a000001',
  );
  assert.deepEqual(addressBytes('fe80::1%eth0'), addressBytes('fe80::1'));
});

test('addressBytes refuses what is not an address, with a stable code', () => {
  for (const bad of ['', 'eth0', '256.0.0.1', '1:2:3:4:5:6:7:8:9', 'fe80::1::2']) {
    assert.throws(() => addressBytes(bad), { code: 'INET_BAD_ADDRESS' }, bad);
  }
});

test('formatAddress: RFC 5952 (longest zero run, the first on a tie, never a single group)', () => {
  const v6 = (hex: string) => formatAddress(Buffer.from(hex, 'hex'));
  assert.equal(v6('20010db8000000000001000000000001'), '2001:db8::1:0:0:1');
  assert.equal(v6('20010db8000000010000000000000001'), '2001:db8:0:1::1');
  assert.equal(v6('20010db8000000010001000100010001'), '2001:db8:0:1:1:1:1:1');
  assert.equal(v6('00000000000000000000000000000000'), '::');
  assert.equal(v6('00000000000000000000ffffc0000201'), '::ffff:c000:201');
  assert.equal(formatAddress(Uint8Array.from([10, 0, 0, 255])), '10.0.0.255');
});

test('property: formatAddress(addressBytes(a)) is the canonical form, and round-trips', () => {
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (addr) => {
      const canon = formatAddress(addressBytes(addr));
      assert.equal(canon, urlForm(addr));
      assert.deepEqual(addressBytes(canon), addressBytes(addr));
    }),
  );
});

test('internetChecksum: the RFC 1071 §3 example, odd lengths padded with a zero byte', () => {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (with the end-around carry).
  assert.equal(internetChecksum(Buffer.from('0001f203f4f5f6f7', 'hex')), ~0xddf2 & 0xffff);
  assert.equal(
    internetChecksum(Buffer.from('ab', 'hex')),
    internetChecksum(Buffer.from('ab00', 'hex')),
  );
  assert.equal(internetChecksum(Buffer.alloc(0)), 0xffff);
});

test('property: a message carrying its checksum sums to zero; parts sum as their concatenation', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.uint8Array({ maxLength: 40 }).map((b) => b.subarray(0, b.length & ~1)),
        {
          maxLength: 5,
        },
      ),
      fc.uint8Array({ maxLength: 41 }),
      (evenParts, last) => {
        const parts = [...evenParts, last];
        const whole = Buffer.concat(parts);
        assert.equal(internetChecksum(...parts), internetChecksum(whole));
        const padded = Buffer.concat([whole, Buffer.alloc((whole.length & 1) + 2)]);
        padded.writeUInt16BE(internetChecksum(whole), padded.length - 2);
        assert.equal(internetChecksum(padded), 0);
      },
    ),
  );
});
