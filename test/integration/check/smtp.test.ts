import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { runSmtpCheck } from '../../../src/check/smtp.js';
import { closedTcpPort, endpoint, tcpServer, type Running } from '../../fixtures/check/servers.js';

/** A scripted SMTP server: banner, then one answer per command line. */
function smtp(banner: string, answers: Record<string, string>, heard: string[]) {
  return (s: net.Socket) => {
    s.write(banner);
    let pending = '';
    s.on('data', (d) => {
      pending += d.toString();
      let eol;
      while ((eol = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, eol);
        pending = pending.slice(eol + 2);
        heard.push(line);
        const verb = line.split(' ')[0]!;
        s.write(answers[verb] ?? '500 what?\r\n');
        if (verb === 'QUIT') s.end();
      }
    });
  };
}

describe('SMTP_CHECK on loopback', () => {
  const heard: string[] = [];
  const servers: Record<string, Running> = {};
  before(async () => {
    const ok = { HELO: '250 pleased\r\n', QUIT: '221 bye\r\n' };
    servers.good = await tcpServer(smtp('220 mail.test ESMTP\r\n', ok, heard));
    servers.multiline = await tcpServer(smtp('220-mail.test\r\n220 ESMTP ready\r\n', ok, heard));
    servers.busy = await tcpServer(smtp('554 no service\r\n', ok, heard));
    servers.rude = await tcpServer(smtp('220 mail.test\r\n', { HELO: '501 go away\r\n' }, heard));
    servers.mute = await tcpServer(() => undefined);
  });
  after(async () => {
    for (const s of Object.values(servers)) await s.close();
  });

  const check = (port: number, timeoutMs = 1000) =>
    runSmtpCheck({
      type: 'SMTP_CHECK',
      endpoints: [endpoint(port, { timeoutMs })],
      heloName: 'checker.keepalived-ts.test',
    });

  test('banner 220, HELO 250, QUIT: up', async () => {
    const r = await check(servers.good!.port);
    assert.deepEqual([r.ok, r.reason], [true, 'HELO accepted']);
    assert.deepEqual(heard.slice(-2), ['HELO checker.keepalived-ts.test', 'QUIT']);
  });

  test('a multi-line banner is read to its last line', async () => {
    assert.equal((await check(servers.multiline!.port)).ok, true);
  });

  test('a bad banner is down', async () => {
    const r = await check(servers.busy!.port);
    assert.deepEqual([r.ok, r.reason], [false, 'bad greeting banner 554']);
  });

  test('a refused HELO is down', async () => {
    const r = await check(servers.rude!.port);
    assert.deepEqual([r.ok, r.reason], [false, 'bad HELO response 501']);
  });

  test('a server without a banner times out', async () => {
    const r = await check(servers.mute!.port, 200);
    assert.deepEqual([r.ok, r.reason], [false, 'read timeout after 200 ms']);
  });

  test('a refused connection is down, and every endpoint must pass', async () => {
    const r = await runSmtpCheck({
      type: 'SMTP_CHECK',
      endpoints: [endpoint(servers.good!.port), endpoint(await closedTcpPort())],
      heloName: 'x',
    });
    assert.deepEqual([r.ok, r.reason], [false, 'ECONNREFUSED']);
  });
});
