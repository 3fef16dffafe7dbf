// bfd_instance (keepalived/bfd/bfd_parser.c): a BFD session VRRP (track_bfd) and the checker
// (BFD_CHECK) can follow.
import type { Statement } from '../ast.js';
import type { BfdInstance } from '../model.js';
import { parseIp } from './address.js';
import {
  type BuildContext,
  type KeywordSpec,
  KeywordTable,
  applyBlock,
  arg,
  intArg,
  field,
  line,
  secondsArg,
} from './context.js';

/** BFD_*_MIN / _MAX (bfd.h), in milliseconds; the config gives them in milliseconds too. */
const BFD_INTERVAL_MAX_MS = Math.floor(0xffffffff / 1000);
const BFD_MULTIPLIER_MAX = 255;
const BFD_TTL_MAX = 255;
const BFD_WEIGHT_LIMIT = 253;

type BfdDraft = Omit<BfdInstance, 'neighborIp' | 'family'> & {
  neighborIp?: string;
  family?: BfdInstance['family'];
};

function address(field: 'neighborIp' | 'sourceIp'): KeywordSpec<BfdDraft> {
  return line<BfdDraft>((s, b, ctx) => {
    const w = arg(ctx, s);
    if (!w) return;
    const ip = parseIp(w.text);
    if (!ip) {
      ctx.error(
        w.pos,
        'invalid-address',
        `(${b.name}) ${s.keyword.text} '${w.text}' is not a valid address - ignoring`,
      );
      return;
    }
    b[field] = ip.address;
    if (field === 'neighborIp') b.family = ip.family;
  });
}

function milliseconds(field: 'minRx' | 'minTx' | 'idleTx', min: number): KeywordSpec<BfdDraft> {
  return line<BfdDraft>((s, b, ctx) => {
    const v = secondsArg(ctx, s, min, BFD_INTERVAL_MAX_MS);
    if (v !== undefined) b[field] = v;
  });
}

function count(
  field: 'multiplier' | 'ttl' | 'maxHops',
  min: number,
  max: number,
): KeywordSpec<BfdDraft> {
  return line<BfdDraft>((s, b, ctx) => {
    const v = intArg(ctx, s, min, max);
    if (v !== undefined) b[field] = v;
  });
}

const BFD_KEYWORDS = new KeywordTable<BfdDraft>([
  ['neighbor_ip', address('neighborIp')],
  ['neighbour_ip', address('neighborIp')],
  ['source_ip', address('sourceIp')],
  ['min_rx', milliseconds('minRx', 1)],
  ['min_tx', milliseconds('minTx', 1)],
  ['idle_tx', milliseconds('idleTx', 1000)],
  ['multiplier', count('multiplier', 1, BFD_MULTIPLIER_MAX)],
  ['ttl', count('ttl', 1, BFD_TTL_MAX)],
  ['hoplimit', count('ttl', 1, BFD_TTL_MAX)],
  ['max_hops', count('maxHops', 0, BFD_TTL_MAX)],
  [
    'passive',
    line<BfdDraft>((_s, b) => {
      b.passive = true;
    }),
  ],
  [
    'multihop',
    line<BfdDraft>((_s, b) => {
      b.multihop = true;
    }),
  ],
  ['weight', field('weight', (ctx, s) => intArg(ctx, s, -BFD_WEIGHT_LIMIT, BFD_WEIGHT_LIMIT))],
  // Which process follows the session is decided by the references (track_bfd, BFD_CHECK).
  ['vrrp', line<BfdDraft>(() => undefined)],
  ['checker', line<BfdDraft>(() => undefined)],
]);

export function buildBfdInstance(ctx: BuildContext, s: Statement): BfdInstance | undefined {
  const name = s.args[0]?.text;
  if (name === undefined) {
    ctx.error(s.keyword.pos, 'missing-name', 'bfd_instance must have a name');
    return undefined;
  }
  const b: BfdDraft = {
    name,
    minRx: 10,
    minTx: 10,
    idleTx: 1000,
    multiplier: 5,
    passive: false,
    multihop: false,
    weight: 0,
    pos: s.pos,
  };
  applyBlock(ctx, s.block?.statements ?? [], BFD_KEYWORDS, b);
  if (b.neighborIp === undefined || b.family === undefined) {
    ctx.error(
      s.block?.close ?? s.pos,
      'missing-parameter',
      `bfd_instance ${name} has no neighbor_ip - removing`,
    );
    return undefined;
  }
  return { ...b, neighborIp: b.neighborIp, family: b.family };
}
