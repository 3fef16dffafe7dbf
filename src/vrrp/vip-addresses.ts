// VIPs installed and removed over rtnetlink (`ip addr add ADDR/LEN dev DEV [brd] [scope] [label]`
// without the fork). Idempotent the way keepalived needs it: adding a present address and
// removing an absent one (or one whose interface is gone, taking its addresses with it) are not
// errors, they just report "nothing changed".
import { addressBytes, formatAddress } from '../net/inet.js';
import type { AddressManager } from './instance.js';
import type { VipSpec } from './spec.js';
import { ifNameToIndex } from '../net/native.js';
import {
  IFA_F_NODAD,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_SITE,
  RT_SCOPE_UNIVERSE,
} from '../netlink/constants.js';
import { NetlinkError } from '../netlink/errors.js';
import type { AddressSpec, Rtnetlink } from '../netlink/rtnetlink.js';

/** keepalived's scope words (`ip` also accepts the numbers). */
const SCOPES: Record<string, number> = {
  global: RT_SCOPE_UNIVERSE,
  site: RT_SCOPE_SITE,
  link: RT_SCOPE_LINK,
  host: RT_SCOPE_HOST,
  nowhere: RT_SCOPE_NOWHERE,
};

/** The IPv4 broadcast address of ADDR/LEN (`brd +`). */
export function broadcastOf(address: string, prefixLength: number): string {
  const b = addressBytes(address);
  for (let bit = prefixLength; bit < 32; bit++) b[bit >> 3] |= 0x80 >> (bit & 7);
  return formatAddress(b);
}

export function addressSpecOf(vip: VipSpec, ifindex: number): AddressSpec {
  const spec: AddressSpec = { ifindex, address: vip.address, prefixLength: vip.prefixLength };
  if (vip.brd !== undefined) {
    spec.broadcast = vip.brd === '+' ? broadcastOf(vip.address, vip.prefixLength) : vip.brd;
  }
  if (vip.scope !== undefined) spec.scope = SCOPES[vip.scope] ?? Number(vip.scope);
  if (vip.label !== undefined) spec.label = vip.label;
  if (vip.noDad) spec.flags = IFA_F_NODAD;
  return spec;
}

/** The interface does not exist (if_nametoindex or the kernel said ENODEV). */
export const noDevice = (err: unknown) => (err as { code?: unknown }).code === 'ENODEV';

/**
 * Runs `op`; `alreadySo` (the errno meaning there is nothing to do) resolves false instead of
 * throwing. When `deleting`, the interface being gone counts as "already removed": the kernel
 * dropped the address or route with it.
 */
export async function changed(
  op: () => Promise<void>,
  alreadySo: string,
  deleting = false,
): Promise<boolean> {
  try {
    await op();
    return true;
  } catch (err) {
    if (err instanceof NetlinkError && err.code === alreadySo) return false;
    if (deleting && noDevice(err)) return false;
    throw err;
  }
}

export class NetlinkAddressManager implements AddressManager {
  constructor(private readonly rt: Rtnetlink) {}

  add(vip: VipSpec): Promise<boolean> {
    return changed(() => this.rt.addAddress(addressSpecOf(vip, ifNameToIndex(vip.dev))), 'EEXIST');
  }

  del(vip: VipSpec): Promise<boolean> {
    return changed(
      () => this.rt.deleteAddress(addressSpecOf(vip, ifNameToIndex(vip.dev))),
      'EADDRNOTAVAIL',
      true,
    );
  }
}
