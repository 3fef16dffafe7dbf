import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runDnsCheck } from '../../../src/check/dns.js';
import { closedUdpPort, endpoint, udpServer, type Running } from '../../fixtures/check/servers.js';

/** Answers a query with the same id, QR set and the given RCODE; records the question. */
function dnsServer(
  rcode: number,
  heard: Array<{ name: string; type: number }>,
  wrongIdFirst = false,
) {
  return (msg: Buffer, reply: (b: Buffer) => void) => {
    let off = 12;
    const labels: string[] = [];
    while (msg[off]! > 0) {
      labels.push(msg.subarray(off + 1, off + 1 + msg[off]!).toString());
      off += msg[off]! + 1;
    }
    heard.push({ name: labels.join('.'), type: msg.readUInt16BE(off + 1) });
    const answer = Buffer.from(msg);
    answer.writeUInt16BE(0x8180 | rcode, 2);
    if (wrongIdFirst) {
      const stray = Buffer.from(answer);
      stray.writeUInt16BE((msg.readUInt16BE(0) + 1) & 0xffff, 0);
      reply(stray);
    }
    reply(answer);
  };
}

describe('DNS_CHECK on loopback', () => {
  const heard: Array<{ name: string; type: number }> = [];
  let good: Running;
  let servfail: Running;
  let stray: Running;
  before(async () => {
    good = await udpServer(dnsServer(0, heard));
    servfail = await udpServer(dnsServer(2, heard));
    stray = await udpServer(dnsServer(0, heard, true));
  });
  after(async () => {
    await good.close();
    await servfail.close();
    await stray.close();
  });

  test('a NOERROR reply is up; the question is ours', async () => {
    const r = await runDnsCheck({
      type: 'DNS_CHECK',
      endpoint: endpoint(good.port),
      queryType: 'AAAA',
      name: 'www.example.test',
    });
    assert.deepEqual([r.ok, r.reason], [true, 'rcode 0']);
    assert.deepEqual(heard.at(-1), { name: 'www.example.test', type: 28 });
  });

  test('an error RCODE is down', async () => {
    const r = await runDnsCheck({
      type: 'DNS_CHECK',
      endpoint: endpoint(servfail.port),
      queryType: 'SOA',
      name: '.',
    });
    assert.deepEqual([r.ok, r.reason], [false, 'rcode 2']);
    assert.deepEqual(heard.at(-1), { name: '', type: 6 });
  });

  test('a reply with another id is ignored', async () => {
    const r = await runDnsCheck({
      type: 'DNS_CHECK',
      endpoint: endpoint(stray.port),
      queryType: 'A',
      name: 'a.test',
    });
    assert.equal(r.ok, true);
  });

  test('a closed port (ICMP port unreachable) is down at once', async () => {
    const r = await runDnsCheck({
      type: 'DNS_CHECK',
      endpoint: endpoint(await closedUdpPort()),
      queryType: 'A',
      name: 'a.test',
    });
    assert.deepEqual([r.ok, r.reason], [false, 'ECONNREFUSED']);
    assert.ok(r.latencyMs < 500);
  });

  test('a silent server times out', async () => {
    const mute = await udpServer(() => undefined);
    const r = await runDnsCheck({
      type: 'DNS_CHECK',
      endpoint: endpoint(mute.port, { timeoutMs: 200 }),
      queryType: 'A',
      name: 'a.test',
    });
    await mute.close();
    assert.deepEqual([r.ok, r.reason], [false, 'read timeout after 200 ms']);
  });
});
