import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KtsError } from '../../../src/errors.js';
import { errnoName, errnoNumber } from '../../../src/netlink/errno.js';
import { NetlinkError, isExist, isNotExist } from '../../../src/netlink/errors.js';

test('errno names match linux/errno.h', () => {
  assert.equal(errnoName(17), 'EEXIST');
  assert.equal(errnoName(2), 'ENOENT');
  assert.equal(errnoName(99), 'EADDRNOTAVAIL');
  assert.equal(errnoName(95), 'EOPNOTSUPP');
  assert.equal(errnoName(4095), 'ERRNO_4095');
  assert.equal(errnoNumber('EPERM'), 1);
  assert.equal(errnoNumber('ENOTANERRNO'), undefined);
});

test('NetlinkError carries op, errno, code name, seq and the extended ACK', () => {
  const err = new NetlinkError('RTM_NEWADDR', 19, 42, { message: 'Device not found', offset: 20 });
  assert.ok(err instanceof KtsError);
  assert.equal(err.code, 'ENODEV');
  assert.equal(err.errno, 19);
  assert.equal(err.seq, 42);
  assert.equal(err.message, 'RTM_NEWADDR: ENODEV: Device not found');
  assert.deepEqual(err.extAck, { message: 'Device not found', offset: 20 });
  assert.equal(isNotExist(err), true);
  assert.equal(isExist(new NetlinkError('x', 17, 1)), true);
  assert.equal(isExist(err), false);
  assert.equal(isNotExist(new Error('ENOENT')), false);
});
