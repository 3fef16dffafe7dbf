// The per-instance checks keepalived applies to a well-formed advert before its state machine
// sees it (vrrp.c: vrrp_check_packet). Pure; the reason names the `packet.dropped` counter.
import { formatAddress, addressBytes } from '../net/inet.js';
import { passAuthData, VRRP_AUTH_NONE, VRRP_AUTH_PASS, type VrrpAdvert } from './packet.js';
import type { InstanceSpec } from './spec.js';

export type AdvertDropReason = 'version' | 'auth' | 'peer' | 'ttl' | 'addresses';

const canonical = (a: string) => formatAddress(addressBytes(a));

/**
 * Why `spec` must drop `advert` from `source` (received with `ttl`), or undefined to accept it.
 * The TTL of multicast adverts is checked by the socket; a unicast peer's only against its
 * min_ttl / max_ttl.
 */
export function advertDropReason(
  spec: Pick<
    InstanceSpec,
    'version' | 'authPass' | 'unicastPeers' | 'vips' | 'checkAdvertAddresses'
  >,
  advert: VrrpAdvert,
  source: string,
  ttl: number,
): AdvertDropReason | undefined {
  if (advert.version !== spec.version) return 'version';
  if (spec.version === 2) {
    const wanted = spec.authPass === undefined ? VRRP_AUTH_NONE : VRRP_AUTH_PASS;
    if (advert.authType !== wanted) return 'auth';
    if (spec.authPass !== undefined && !advert.authData.equals(passAuthData(spec.authPass)))
      return 'auth';
  }
  if (spec.unicastPeers.length > 0) {
    const from = canonical(source);
    const peer = spec.unicastPeers.find((p) => canonical(p.address) === from);
    if (!peer) return 'peer';
    if (ttl < (peer.minTtl ?? 0) || ttl > (peer.maxTtl ?? 255)) return 'ttl';
  }
  // keepalived drops adverts whose address list differs from ours (unless skip_check_adv_addr).
  if (spec.checkAdvertAddresses && advert.priority !== 0) {
    const ours = new Set(spec.vips.map((v) => canonical(v.address)));
    if (advert.addresses.length !== ours.size || !advert.addresses.every((a) => ours.has(a))) {
      return 'addresses';
    }
  }
  return undefined;
}
