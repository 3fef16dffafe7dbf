// SMTP_CHECK (check_smtp.c): connect, expect a 220 banner, send "HELO helo_name", expect 250,
// send QUIT and wait for its answer. Every endpoint (the real server's, then deprecated `host { }`
// blocks) must pass. Unlike keepalived, a multi-line reply ("220-...") is read to its last line
// instead of failing on the dash.

import { connectTcp, converse, failed, passed, type Step } from './connect.js';
import type { Endpoint, ProbeResult, SmtpProbe } from './plan.js';

const SMTP_BANNER = 220;
const SMTP_HELO_OK = 250;
/** Longest reply line read before giving up. */
const SMTP_BUFF_MAX = 512;

export async function runSmtpCheck(spec: SmtpProbe): Promise<ProbeResult> {
  const startedAt = performance.now();
  for (const ep of spec.endpoints) {
    const res = await converseSmtp(ep, spec.heloName);
    if (!res.ok) return failed(res.reason, startedAt);
  }
  return passed('HELO accepted', startedAt);
}

async function converseSmtp(ep: Endpoint, heloName: string): Promise<Step<true>> {
  const conn = await connectTcp(ep);
  if (!conn.ok) return conn;
  const socket = conn.value;
  const replies = new ReplyReader();
  let stage: 'banner' | 'helo' | 'quit' = 'banner';
  return converse(socket, ep.timeoutMs, {
    onData: (chunk) => {
      for (const reply of replies.push(chunk)) {
        if (reply === undefined) return { ok: false, reason: 'reply line too long or malformed' };
        if (stage === 'banner') {
          if (reply !== SMTP_BANNER) return { ok: false, reason: `bad greeting banner ${reply}` };
          socket.write(`HELO ${heloName}\r\n`);
          stage = 'helo';
        } else if (stage === 'helo') {
          if (reply !== SMTP_HELO_OK) return { ok: false, reason: `bad HELO response ${reply}` };
          socket.write('QUIT\r\n');
          stage = 'quit';
        } else {
          return { ok: true, value: true };
        }
      }
      return undefined;
    },
    // A server that closes right after QUIT without answering is still a good server.
    onEnd: () =>
      stage === 'quit'
        ? { ok: true, value: true }
        : { ok: false, reason: `connection closed awaiting ${stage}` },
  });
}

/** Splits a byte stream into SMTP replies: yields each final reply code (undefined = garbage). */
export class ReplyReader {
  private pending = '';

  *push(chunk: Buffer): Generator<number | undefined> {
    this.pending += chunk.toString('latin1');
    for (;;) {
      const eol = this.pending.indexOf('\n');
      if (eol < 0) {
        if (this.pending.length > SMTP_BUFF_MAX) yield undefined;
        return;
      }
      const line = this.pending.slice(0, eol).replace(/\r$/, '');
      this.pending = this.pending.slice(eol + 1);
      const m = /^(\d{3})([ -]|$)/.exec(line);
      if (!m) {
        yield undefined;
        return;
      }
      if (m[2] !== '-') yield Number(m[1]);
    }
  }
}
