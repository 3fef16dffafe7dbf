// The addon's error reporting and socket lifecycle, on real sockets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot, skipUnless } from '../../helpers/privileged.js';
import { NativeSocket, ifIndexToName, ifNameToIndex } from '../../../src/net/native.js';
import { AF_INET, IPPROTO_IP, IP_MULTICAST_TTL, SOCK_RAW } from '../../../src/net/constants.js';
import { encodeSockaddrInet } from '../../../src/net/sockaddr.js';

describe('native addon', () => {
  test('interface names and indexes', () => {
    assert.equal(ifNameToIndex('lo'), 1);
    assert.equal(ifIndexToName(1), 'lo');
    assert.throws(() => ifNameToIndex('kts-none0'), {
      code: 'ENODEV',
      errno: 19,
      syscall: 'if_nametoindex',
    });
  });

  test(
    'raw socket: options read back, loopback round trip, closed socket refuses use',
    { skip: skipUnless([[isRoot, 'root']]) },
    async () => {
      const s = new NativeSocket(AF_INET, SOCK_RAW, 253); // 253: IANA "use for experimentation"
      try {
        s.setOption(IPPROTO_IP, IP_MULTICAST_TTL, 255);
        assert.equal(s.getOption(IPPROTO_IP, IP_MULTICAST_TTL), 255);
        const got = new Promise<Buffer>((resolve, reject) =>
          s.startReading((r) => resolve(r.data), reject),
        );
        s.sendTo(Buffer.from('kts'), encodeSockaddrInet('127.0.0.1'));
        const packet = await got;
        assert.equal(packet.subarray(20).toString(), 'kts');
        assert.equal(packet[9], 253);
      } finally {
        s.close();
      }
      assert.throws(() => s.sendTo(Buffer.from('x'), encodeSockaddrInet('127.0.0.1')), {
        code: 'NET_SOCKET_CLOSED',
      });
      s.close(); // idempotent
    },
  );

  test(
    'a handler may close its socket while a burst is still queued',
    { skip: skipUnless([[isRoot, 'root']]) },
    async () => {
      const s = new NativeSocket(AF_INET, SOCK_RAW, 253);
      let seen = 0;
      const closed = new Promise<void>((resolve, reject) =>
        s.startReading(() => {
          seen += 1;
          s.close();
          resolve();
        }, reject),
      );
      for (let i = 0; i < 5; i++) s.sendTo(Buffer.from([i]), encodeSockaddrInet('127.0.0.1'));
      await closed;
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(seen, 1);
    },
  );

  test(
    'system call failures carry code, errno and syscall',
    { skip: skipUnless([[isRoot, 'root']]) },
    () => {
      const s = new NativeSocket(AF_INET, SOCK_RAW, 253);
      try {
        assert.throws(() => s.bind(encodeSockaddrInet('192.0.2.1')), {
          code: 'EADDRNOTAVAIL',
          errno: 99,
          syscall: 'bind',
        });
      } finally {
        s.close();
      }
    },
  );
});
