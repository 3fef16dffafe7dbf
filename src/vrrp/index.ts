// The VRRP side's entry point for the daemon: `runVrrp(config, { observer })` starts every
// vrrp_instance of a loaded configuration on the real network (raw VRRP sockets, rtnetlink for
// VIPs, AF_PACKET for GARP / NA) and returns the running `VrrpRuntime`.
import type { KeepalivedConfig } from '../config/model.js';
import { Announcer } from '../net/announce.js';
import { Rtnetlink } from '../netlink/rtnetlink.js';
import type { Observer } from '../observe/observer.js';
import { vrrpSpecFromConfig } from './from-config.js';
import { LinkAnnouncer } from './link-announcer.js';
import { startVrrp, type LinkMonitor, type VrrpRuntime } from './runtime.js';
import { NetlinkAddressManager } from './vip-addresses.js';

export type { VrrpRuntime, InstanceStatus } from './runtime.js';
export { startVrrp } from './runtime.js';
export { vrrpSpecFromConfig } from './from-config.js';

export interface RunVrrpOptions {
  observer: Observer;
}

/** Link state over rtnetlink: RTM_NEWLINK / RTM_DELLINK events and a lookup at start. */
function rtnetlinkLinks(rt: Rtnetlink): LinkMonitor {
  return {
    running: async (ifname) => {
      try {
        return (await rt.getLink(ifname)).running;
      } catch {
        return false;
      }
    },
    watch: (onChange) =>
      rt.subscribe({
        link: (ev) => onChange(ev.link.name, ev.kind === 'new' && ev.link.running),
      }),
  };
}

export async function runVrrp(
  config: KeepalivedConfig,
  opts: RunVrrpOptions,
): Promise<VrrpRuntime> {
  const rt = Rtnetlink.open();
  const frames = Announcer.open();
  let runtime: VrrpRuntime;
  try {
    runtime = await startVrrp(vrrpSpecFromConfig(config), {
      observer: opts.observer,
      addresses: new NetlinkAddressManager(rt),
      announcer: new LinkAnnouncer(frames, rt),
      links: rtnetlinkLinks(rt),
    });
  } catch (err) {
    frames.close();
    rt.close();
    throw err;
  }
  return {
    status: () => runtime.status(),
    stop: async (stopOpts) => {
      await runtime.stop(stopOpts);
      frames.close();
      rt.close();
    },
  };
}
