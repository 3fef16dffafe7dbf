import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AttributeDecoder, AttributeEncoder, parseAttributes } from '../../../src/netlink/attr.js';
import { NLA_F_NESTED } from '../../../src/netlink/constants.js';
import { NetlinkDecodeError } from '../../../src/netlink/errors.js';

test('encodes a u16, a network-order port and a string with padding, as the kernel lays them out', () => {
  const bytes = new AttributeEncoder().u16(1, 2).u16be(4, 80).string(6, 'rr').encode();
  // len 6, type 1, 0x0002 LE, 2 pad | len 6, type 4, 0x0050 BE, 2 pad | len 7, type 6, "rr\0", pad
  assert.equal(bytes.toString('hex'), '0600010002000000' + '0600040000500000' + '0700060072720000');
});

test('nested() sets NLA_F_NESTED and wraps the inner list', () => {
  const bytes = new AttributeEncoder().nested(1, (n) => n.u32(5, 7)).encode();
  assert.equal(bytes.toString('hex'), '0c000180' + '0800050007000000');
  const [outer] = parseAttributes(bytes);
  assert.equal(outer.type, 1);
  assert.equal(outer.nested, true);
});

test('decoder reads typed values and nests', () => {
  const bytes = new AttributeEncoder()
    .u8(1, 200)
    .u32(2, 0xdeadbeef)
    .u64(3, 2n ** 60n + 3n)
    .u32be(4, 0xffffff00)
    .s32(5, -5)
    .flag(6)
    .nested(7, (n) => n.string(1, 'eth0').bytes(2, Buffer.from([1, 2, 3])))
    .encode();
  const d = new AttributeDecoder(bytes);
  const seen: Record<number, unknown> = {};
  while (d.next()) {
    switch (d.type) {
      case 1:
        seen[1] = d.u8();
        break;
      case 2:
        seen[2] = d.u32();
        break;
      case 3:
        seen[3] = d.u64();
        break;
      case 4:
        seen[4] = d.u32be();
        break;
      case 5:
        seen[5] = d.s32();
        break;
      case 6:
        seen[6] = d.bytes().length;
        break;
      case 7:
        d.nested((n) => {
          while (n.next()) seen[70 + n.type] = n.type === 1 ? n.string() : [...n.bytes()];
        });
        break;
    }
  }
  d.check();
  assert.deepEqual(seen, {
    1: 200,
    2: 0xdeadbeef,
    3: 2n ** 60n + 3n,
    4: 0xffffff00,
    5: -5,
    6: 0,
    71: 'eth0',
    72: [1, 2, 3],
  });
});

test('a wrong-size getter records a sticky error and returns 0', () => {
  const d = new AttributeDecoder(new AttributeEncoder().u16(1, 9).u32(2, 1).encode());
  assert.equal(d.next(), true);
  assert.equal(d.u32(), 0);
  assert.equal(d.next(), false, 'iteration stops after an error');
  assert.ok(d.err() instanceof NetlinkDecodeError);
  assert.throws(() => d.check(), {
    code: 'NETLINK_MALFORMED',
    message: /u32 needs 4 bytes, got 2/,
  });
});

test('an error inside a nest surfaces on the outer decoder', () => {
  const bytes = new AttributeEncoder().nested(1, (n) => n.u8(3, 1)).encode();
  const d = new AttributeDecoder(bytes);
  d.next();
  d.nested((n) => {
    n.next();
    n.u16();
  });
  assert.throws(() => d.check(), { code: 'NETLINK_MALFORMED', message: /nested attribute 1/ });
});

test('broken framing throws NETLINK_MALFORMED', () => {
  assert.throws(() => parseAttributes(Buffer.from('0300010000000000', 'hex')), {
    code: 'NETLINK_MALFORMED',
  });
  assert.throws(() => parseAttributes(Buffer.from('0900010000000000', 'hex')), {
    code: 'NETLINK_MALFORMED',
  });
  // fewer bytes than a header at the end are padding, not an error
  assert.equal(parseAttributes(Buffer.from('0500010007000000ff', 'hex')).length, 1);
});

type Node = { type: number; value: Buffer } | { type: number; children: Node[] };

const leaf = fc
  .record({
    type: fc.integer({ min: 0, max: 0x3fff }),
    value: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  })
  .map((n) => ({ ...n })); // fast-check records have a null prototype; deepEqual compares it
const tree = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .record({
        type: fc.integer({ min: 0, max: 0x3fff }),
        children: fc.array(tie('node'), { maxLength: 4 }),
      })
      .map((n) => ({ ...n })),
  ),
})).node;

function encodeTree(e: AttributeEncoder, nodes: Node[]): AttributeEncoder {
  for (const n of nodes) {
    if ('value' in n) e.bytes(n.type, n.value);
    else e.nested(n.type, (inner) => encodeTree(inner, n.children));
  }
  return e;
}

function decodeTree(d: AttributeDecoder): Node[] {
  const out: Node[] = [];
  while (d.next()) {
    if (d.isNested) {
      let children: Node[] = [];
      d.nested((inner) => (children = decodeTree(inner)));
      out.push({ type: d.type, children });
    } else out.push({ type: d.type, value: Buffer.from(d.bytes()) });
  }
  d.check();
  return out;
}

test('property: any attribute tree round-trips through encode and decode', () => {
  fc.assert(
    fc.property(fc.array(tree, { maxLength: 6 }), (nodes) => {
      const bytes = encodeTree(new AttributeEncoder(), nodes).encode();
      assert.equal(bytes.length % 4, 0);
      assert.deepEqual(decodeTree(new AttributeDecoder(bytes)), nodes);
    }),
  );
});

test('property: integer encoders round-trip at their full ranges', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xff }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      (a, b, c, big) => {
        const d = new AttributeDecoder(
          new AttributeEncoder()
            .u8(1, a)
            .u16(2, b)
            .u32(3, c)
            .u64(4, big)
            .u16be(5, b)
            .u32be(6, c)
            .encode(),
        );
        const got: unknown[] = [];
        const read = [
          () => d.u8(),
          () => d.u16(),
          () => d.u32(),
          () => d.u64(),
          () => d.u16be(),
          () => d.u32be(),
        ];
        while (d.next()) got.push(read[d.type - 1]());
        d.check();
        assert.deepEqual(got, [a, b, c, big, b, c]);
      },
    ),
  );
});

test('fuzz: decoding random bytes throws nothing but NETLINK_MALFORMED', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
      try {
        decodeTree(new AttributeDecoder(Buffer.from(raw)));
      } catch (err) {
        assert.ok(err instanceof NetlinkDecodeError, String(err));
      }
    }),
    { numRuns: 2000 },
  );
});

test('NLA_F_NESTED constant matches linux/netlink.h', () => {
  assert.equal(NLA_F_NESTED, 0x8000);
});
