// The VRRP side's entry point for the daemon: `runVrrp(config, { observer })` starts every
// vrrp_instance of a loaded configuration on the real network (raw VRRP sockets, rtnetlink for
// VIPs, virtual routes and rules, AF_PACKET for GARP / NA) and returns the running `VrrpRuntime`.
import type { KeepalivedConfig } from '../config/model.js';
import { Announcer } from '../net/announce.js';
import { Rtnetlink } from '../netlink/rtnetlink.js';
import type { Observer } from '../observe/observer.js';
import { garpPacingOf, vrrpSpecFromConfig } from './from-config.js';
import { LinkAnnouncer } from './link-announcer.js';
import {
  startVrrp,
  type InstanceStatus,
  type LinkMonitor,
  type VrrpSpecRuntime,
} from './runtime.js';
import { NetlinkAddressManager } from './vip-addresses.js';
import { NetlinkRouteManager, systemRouteNames } from './virtual-routes.js';

export type { InstanceStatus } from './runtime.js';
export { startVrrp } from './runtime.js';
export { vrrpSpecFromConfig } from './from-config.js';

/** The running VRRP side, as the daemon drives it. */
export interface VrrpRuntime {
  status(): InstanceStatus[];
  /**
   * Apply a reloaded configuration in place (SIGHUP): surviving instances keep their state, a
   * MASTER re-advertises and moves only the VIPs that changed; removed instances stop, new ones
   * start. An instance whose VRID, interface, family or version changed is restarted. New
   * garp_group / vrrp_garp_interval / vrrp_gna_interval pacing applies to the next GARP / NA burst.
   */
  reload(config: KeepalivedConfig): Promise<void>;
  /** Masters send priority 0; VIPs removed unless `releaseVips` is false (-V); STOP notified. */
  stop(opts?: { releaseVips: boolean }): Promise<void>;
}

export interface RunVrrpOptions {
  observer: Observer;
  /** Told how late (ms) each instance timer ran (max_auto_priority watches it). */
  timerDelivered?: (lateMs: number) => void;
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
    watch: (onLink, onAddress) =>
      rt.subscribe({
        link: (ev) => onLink(ev.link.name, ev.kind === 'new' && ev.link.running, ev.kind === 'new'),
        address: onAddress,
        // Events were lost: an address may have come meanwhile (links are re-read on their own
        // next change).
        overrun: onAddress,
      }),
  };
}

export async function runVrrp(
  config: KeepalivedConfig,
  opts: RunVrrpOptions,
): Promise<VrrpRuntime> {
  const rt = Rtnetlink.open();
  const frames = Announcer.open();
  const announcer = new LinkAnnouncer(frames, rt, garpPacingOf(config));
  let runtime: VrrpSpecRuntime;
  try {
    runtime = await startVrrp(vrrpSpecFromConfig(config, systemRouteNames()), {
      observer: opts.observer,
      addresses: new NetlinkAddressManager(rt),
      routes: new NetlinkRouteManager(rt),
      announcer,
      links: rtnetlinkLinks(rt),
      timerDelivered: opts.timerDelivered,
    });
  } catch (err) {
    frames.close();
    rt.close();
    throw err;
  }
  return {
    status: () => runtime.status(),
    reload: (next) => {
      const spec = vrrpSpecFromConfig(next, systemRouteNames());
      announcer.setPacing(garpPacingOf(next));
      return runtime.reload(spec);
    },
    stop: async (stopOpts) => {
      await runtime.stop(stopOpts);
      frames.close();
      rt.close();
    },
  };
}
