import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runUdpCheck } from '../../../src/check/udp.js';
import type { UdpProbe } from '../../../src/check/plan.js';
import { closedUdpPort, endpoint, udpServer, type Running } from '../../fixtures/check/servers.js';

describe('UDP_CHECK on loopback', () => {
  const heard: Buffer[] = [];
  let echo: Running;
  let mute: Running;
  before(async () => {
    echo = await udpServer((msg, reply) => {
      heard.push(msg);
      reply(Buffer.concat([Buffer.from([0xca, 0xfe]), msg]));
    });
    mute = await udpServer((msg) => heard.push(msg));
  });
  after(async () => {
    await echo.close();
    await mute.close();
  });

  const probe = (port: number, over: Partial<UdpProbe> = {}): UdpProbe => ({
    type: 'UDP_CHECK',
    endpoint: endpoint(port, { timeoutMs: 200 }),
    minReplyLength: 0,
    maxReplyLength: 255,
    ...over,
  });

  test('without require_reply a silent server passes; the default payload is sent', async () => {
    const r = await runUdpCheck(probe(mute.port));
    assert.deepEqual([r.ok, r.reason], [true, 'no ICMP error']);
    assert.equal(heard.at(-1)!.toString(), 'keepalived check - keepalived ch');
  });

  test('require_reply with X wildcards matches the reply', async () => {
    const r = await runUdpCheck(
      probe(echo.port, { payload: '0102', requireReply: { hex: 'CAXE01' } }),
    );
    assert.deepEqual([r.ok, r.reason], [true, 'reply matches']);
    assert.deepEqual([...heard.at(-1)!], [1, 2]);
  });

  test('a reply that differs is down', async () => {
    const r = await runUdpCheck(
      probe(echo.port, { payload: '0102', requireReply: { hex: 'cafe02' } }),
    );
    assert.deepEqual([r.ok, r.reason], [false, 'reply differs at byte 2']);
  });

  test('reply length outside min/max is down', async () => {
    const r = await runUdpCheck(
      probe(echo.port, { payload: '01', requireReply: {}, maxReplyLength: 2 }),
    );
    assert.deepEqual([r.ok, r.reason], [false, 'reply length 3 outside 0..2']);
  });

  test('require_reply and silence is down', async () => {
    const r = await runUdpCheck(probe(mute.port, { requireReply: {} }));
    assert.deepEqual([r.ok, r.reason], [false, 'no reply after 200 ms']);
  });

  test('ICMP port unreachable is down', async () => {
    const r = await runUdpCheck(probe(await closedUdpPort()));
    assert.deepEqual([r.ok, r.reason], [false, 'ECONNREFUSED']);
  });
});
