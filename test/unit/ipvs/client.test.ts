// IpvsClient.open on a kernel without IPVS (this development host's kernel is built without it):
// the generic netlink family lookup fails and the client says what to do. The IPVS operations
// themselves are tested against a real kernel in test/kernel (scripts/vm-run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { IpvsClient } from '../../../src/ipvs/client.js';
import { KtsError } from '../../../src/errors.js';

const skip = existsSync('/proc/net/ip_vs') ? 'this kernel has IPVS' : undefined;

test('a kernel without IPVS: KtsError ENOIPVS telling to load ip_vs', { skip }, async () => {
  await assert.rejects(IpvsClient.open(), (err: unknown) => {
    assert.ok(err instanceof KtsError);
    assert.equal(err.code, 'ENOIPVS');
    assert.match(err.message, /this kernel has no IPVS; load ip_vs/);
    assert.equal((err.cause as KtsError).code, 'GENL_FAMILY_NOT_FOUND');
    return true;
  });
});
