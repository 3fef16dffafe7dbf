import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AttributeEncoder } from '../../../src/netlink/attr.js';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_VERSION,
  CTRL_CMD_NEWFAMILY,
  GENL_ID_CTRL,
} from '../../../src/netlink/constants.js';
import { NetlinkDecodeError, NetlinkError } from '../../../src/netlink/errors.js';
import {
  decodeFamily,
  decodeGenl,
  encodeGenl,
  encodeGetFamily,
  resolveFamily,
  type NetlinkRequester,
} from '../../../src/netlink/genl.js';
import type { NetlinkMessage } from '../../../src/netlink/message.js';

test('genl header: cmd, version, zero reserved, then attributes', () => {
  const b = encodeGenl({ cmd: 4, version: 1 }, Buffer.from([9, 9]));
  assert.equal(b.toString('hex'), '040100000909');
  assert.deepEqual(decodeGenl(b), { header: { cmd: 4, version: 1 }, attrs: Buffer.from([9, 9]) });
  assert.throws(() => decodeGenl(Buffer.from([1, 2])), { code: 'NETLINK_MALFORMED' });
});

test('CTRL_CMD_GETFAMILY for IPVS is byte-identical to what genl(8) sends', () => {
  // cmd 3, version 2, then CTRL_ATTR_FAMILY_NAME "IPVS\0" padded to 8.
  assert.equal(
    encodeGetFamily('IPVS').toString('hex'),
    '03020000' + '0900020049505653' + '00000000',
  );
});

function familyReply(): Buffer {
  const attrs = new AttributeEncoder()
    .string(CTRL_ATTR_FAMILY_NAME, 'thermal')
    .u16(CTRL_ATTR_FAMILY_ID, 0x1c)
    .u32(CTRL_ATTR_VERSION, 1)
    .u32(CTRL_ATTR_HDRSIZE, 0)
    .u32(CTRL_ATTR_MAXATTR, 9)
    .nested(CTRL_ATTR_MCAST_GROUPS, (groups) =>
      groups
        .nested(1, (g) =>
          g.u32(CTRL_ATTR_MCAST_GRP_ID, 7).string(CTRL_ATTR_MCAST_GRP_NAME, 'sampling'),
        )
        .nested(2, (g) =>
          g.u32(CTRL_ATTR_MCAST_GRP_ID, 8).string(CTRL_ATTR_MCAST_GRP_NAME, 'event'),
        ),
    )
    .encode();
  return encodeGenl({ cmd: CTRL_CMD_NEWFAMILY, version: 2 }, attrs);
}

test('decodes a NEWFAMILY reply with multicast groups', () => {
  assert.deepEqual(decodeFamily(familyReply()), {
    id: 0x1c,
    name: 'thermal',
    version: 1,
    hdrsize: 0,
    maxattr: 9,
    mcastGroups: new Map([
      ['sampling', 7],
      ['event', 8],
    ]),
  });
});

function requester(answer: (type: number, data: Buffer) => NetlinkMessage[]): NetlinkRequester {
  return { request: async (type, _flags, data) => answer(type, data) };
}

test('resolveFamily asks the controller and decodes its reply', async () => {
  const data = familyReply();
  const family = await resolveFamily(
    requester((type, req) => {
      assert.equal(type, GENL_ID_CTRL);
      assert.deepEqual(req, encodeGetFamily('thermal'));
      return [
        {
          header: { length: 16 + data.length, type: GENL_ID_CTRL, flags: 0, seq: 1, pid: 0 },
          data,
        },
      ];
    }),
    'thermal',
  );
  assert.equal(family.id, 0x1c);
});

test('a missing family is GENL_FAMILY_NOT_FOUND; other errors pass through', async () => {
  await assert.rejects(
    resolveFamily(
      requester(() => {
        throw new NetlinkError('genl getfamily IPVS', 2, 1);
      }),
      'IPVS',
    ),
    { code: 'GENL_FAMILY_NOT_FOUND', message: /IPVS not found/ },
  );
  await assert.rejects(
    resolveFamily(
      requester(() => {
        throw new NetlinkError('genl getfamily IPVS', 1, 1);
      }),
      'IPVS',
    ),
    { code: 'EPERM' },
  );
});

test('fuzz: decodeFamily of random bytes throws nothing but NETLINK_MALFORMED', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (raw) => {
      try {
        decodeFamily(Buffer.from(raw));
      } catch (err) {
        assert.ok(err instanceof NetlinkDecodeError, String(err));
      }
    }),
    { numRuns: 2000 },
  );
});
