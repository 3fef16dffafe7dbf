// One VRRP instance at run time: binds the pure state machine (fsm.ts) to a real clock and
// timers, the shared VRRP socket, the address manager (VIPs), the GARP / NA announcer and the
// notify scripts. The machine decides; this class only carries out its actions, in order:
//  - state changes are logged synchronously (`vrrp.state`) before anything else happens;
//  - adverts go out at once (never behind address changes or scripts);
//  - VIP, virtual route and rule changes and GARP bursts run on one ordered queue per instance
//    (VIPs first, then routes, then rules when adding; the reverse when removing);
//  - notify scripts run on a second ordered queue, so a slow script never delays an advert.
import type { Observer } from '../observe/observer.js';
import { changesBetween } from './changes.js';
import {
  initialState,
  step,
  type FsmAction,
  type FsmConfig,
  type FsmEvent,
  type FsmState,
  type GarpReason,
  type StepResult,
  type TimerName,
} from './fsm.js';
import { Notifier } from './notify.js';
import { Deadlines, type Clock, type Waker } from './deadlines.js';
import {
  passAuthData,
  VRRP_AUTH_NONE,
  VRRP_AUTH_PASS,
  type ChecksumForm,
  type VrrpAdvert,
} from './packet.js';
import type { InstanceSpec, VipSpec } from './spec.js';
import { advertDropReason } from './validate.js';
import type { RouteManager } from './virtual-routes.js';
import { applyOwned, describeOwned, ownedItems, ownedKey, vipsOf, type Owned } from './owned.js';

/** Installs and removes addresses; resolves whether anything changed. */
export interface AddressManager {
  add(vip: VipSpec): Promise<boolean>;
  del(vip: VipSpec): Promise<boolean>;
}

/** Sends `count` gratuitous ARPs (IPv4) or unsolicited NAs (IPv6) for each address. */
export interface VipAnnouncer {
  announce(vips: readonly VipSpec[], count: number): Promise<void>;
}

/** What the instance needs from the VRRP socket (net/vrrp-socket.ts). */
export interface AdvertChannel {
  register(
    vrid: number,
    handler: (r: {
      advert: VrrpAdvert;
      source: string;
      ttl: number;
      checksumForm: ChecksumForm;
    }) => void,
  ): void;
  unregister(vrid: number): void;
  send(advert: VrrpAdvert, src: string, dst: string, v3ChecksumAsV2: boolean): void;
}

export interface InstanceIo {
  channel: AdvertChannel;
  addresses: AddressManager;
  routes: RouteManager;
  announcer: VipAnnouncer;
  observer: Observer;
  clock: Clock;
  /** Told how late (ms) each of the instance's timers ran (max_auto_priority watches it). */
  timerDelivered?: (lateMs: number) => void;
  /** What wakes the instance's timers at their deadlines (the runtime's TimerfdWaker). */
  waker: Waker;
}

/** What an instance installs while MASTER: its VIPs, virtual routes and rules. */
const ownedBy = (spec: InstanceSpec): Owned[] =>
  ownedItems({
    addresses: [...spec.vips, ...spec.excludedVips],
    routes: spec.virtualRoutes,
    rules: spec.virtualRules,
  });

export class VrrpInstance {
  readonly name: string;
  private config: FsmConfig;
  private fsm: FsmState;
  private readonly timers: Deadlines<TimerName>;
  /** VIP, route, rule and GARP work, in the order the machine asked for it. */
  private addressQueue: Promise<void> = Promise.resolve();
  /** Pending retries of failed VIP / route / rule operations, cancelled by stop(). */
  private readonly addressRetries = new Set<NodeJS.Timeout>();
  private readonly notifier: Notifier;
  private warnedNoAccept = false;
  /** Set by stop() with -V (--dont-release-vrrp): VIPs, routes and rules stay where they are. */
  private keepVips = false;
  private masterAddress: string | undefined;
  private startupDelay: NodeJS.Timeout | undefined;
  /** vrrp_startup_delay has passed: the machine may leave INIT unless held. */
  private startupDue = false;
  /** Held in INIT while a weight-0 vrrp_script of this instance or its sync group has no result. */
  private held = false;
  /** VRRPv3/IPv4 checksum form each peer uses, logged when first seen and on change. */
  private readonly peerChecksum = new Map<string, ChecksumForm>();

  /**
   * `route` receives the events the instance generates itself (timers, adverts) so the runtime can
   * apply sync-group rules around them; it must end in `apply`.
   */
  constructor(
    private current: InstanceSpec,
    primaryAddress: string,
    private readonly io: InstanceIo,
    private readonly route: (instance: VrrpInstance, event: FsmEvent) => void,
  ) {
    this.name = current.name;
    this.config = { ...current.fsm, primaryAddress };
    this.fsm = initialState(this.config);
    this.notifier = new Notifier('INSTANCE', current.name, io.observer, current.notify);
    this.timers = new Deadlines(io.clock, (timer) => this.route(this, { type: 'timer', timer }), {
      delivered: io.timerDelivered,
      waker: io.waker,
    });
  }

  get state(): FsmState {
    return this.fsm;
  }

  get spec(): InstanceSpec {
    return this.current;
  }

  get cfg(): FsmConfig {
    return this.config;
  }

  /**
   * Take a reloaded spec (same VRID, interface, family and version) and keep the state, as
   * keepalived keeps a surviving instance's state. A MASTER moves only the VIPs, virtual routes
   * and rules that changed, announces the new VIPs and re-advertises at once, so backups learn
   * the new settings.
   */
  reconfigure(spec: InstanceSpec, primaryAddress: string): void {
    const { gone, added } = changesBetween(ownedBy(this.current), ownedBy(spec), ownedKey);
    this.current = spec;
    this.config = { ...spec.fsm, primaryAddress };
    this.notifier.update(spec.notify);
    if (this.fsm.state !== 'MASTER') return;
    this.queueChanges('del', gone.reverse());
    this.queueChanges('add', added);
    const addedVips = vipsOf(added);
    if (addedVips.length > 0)
      this.queueAnnounce(addedVips, 'takeover', this.config.garpMasterRepeat);
    this.sendAdvert(this.fsm.effectivePriority);
  }

  /**
   * The address adverts are sent from, when the interface's changed (it had none, or lost the one
   * in use). Nothing else changes, so nothing is sent now: the next advert carries it.
   */
  setPrimaryAddress(primaryAddress: string): void {
    this.config = { ...this.config, primaryAddress };
  }

  start(): void {
    this.io.channel.register(this.spec.vrid, ({ advert, source, ttl, checksumForm }) => {
      const reason = advertDropReason(this.spec, advert, source, ttl);
      if (reason) {
        this.io.observer.packetDropped(reason, this.name, source);
        return;
      }
      this.noteChecksumForm(source, checksumForm);
      this.io.observer.advertReceived(this.name);
      this.route(this, {
        type: 'advert',
        priority: advert.priority,
        source,
        intervalCs: advert.intervalCs,
      });
    });
    // vrrp_startup_delay: adverts heard meanwhile are discarded (the machine is still in INIT).
    if (this.spec.startupDelayMs > 0) {
      this.startupDelay = setTimeout(() => this.startupPassed(), this.spec.startupDelayMs);
    } else {
      this.startupPassed();
    }
  }

  private startupPassed(): void {
    this.startupDue = true;
    if (!this.held) this.route(this, { type: 'startup' });
  }

  /**
   * Holds the machine in INIT (keepalived's num_script_init), or lets it start once released;
   * an instance that has left INIT is not affected.
   */
  hold(held: boolean): void {
    const released = this.held && !held;
    this.held = held;
    if (released && this.startupDue && this.fsm.state === 'INIT')
      this.route(this, { type: 'startup' });
  }

  /**
   * Shut down (priority-0 advert when MASTER); resolves once VIPs, routes and rules are gone
   * (unless `releaseVips` is false) and the notify scripts have run.
   */
  async stop(opts: { releaseVips: boolean } = { releaseVips: true }): Promise<void> {
    this.keepVips = !opts.releaseVips;
    clearTimeout(this.startupDelay);
    this.route(this, { type: 'shutdown' });
    this.io.channel.unregister(this.spec.vrid);
    this.timers.cancelAll();
    await this.addressQueue;
    for (const retry of this.addressRetries) clearTimeout(retry);
    this.addressRetries.clear();
    await this.notifier.idle();
  }

  /** Step the machine on `event` now and carry out its actions. */
  apply(event: FsmEvent): StepResult {
    const now = this.io.clock.now();
    if (event.type === 'advert' && this.fsm.state === 'MASTER' && event.priority !== 0) {
      const ours = this.fsm.effectivePriority;
      if (
        event.priority < ours ||
        (event.priority === ours && event.source !== this.cfg.primaryAddress)
      ) {
        this.io.observer.splitBrain(this.name, event.source, ours, event.priority);
      }
    }
    const result = step(this.cfg, this.fsm, event, now);
    if (event.type === 'priority' && event.priority !== this.fsm.effectivePriority) {
      this.io.observer.vrrpPriority(this.name, this.fsm.effectivePriority, event.priority);
    }
    this.fsm = result.state;
    for (const action of result.actions) this.execute(action);
    this.trackMaster(event);
    return result;
  }

  /**
   * VRRPv3 over IPv4 has two checksum forms in the wild (ipvs-netlink.md §2.3); both are accepted,
   * and which one a peer uses is worth knowing when debugging interop.
   */
  private noteChecksumForm(source: string, form: ChecksumForm): void {
    if (this.spec.version !== 3 || this.spec.family !== 4) return;
    const before = this.peerChecksum.get(source);
    if (before === form) return;
    this.peerChecksum.set(source, form);
    this.io.observer.log.info(
      { instance: this.name, peer: source, checksum: form, previous: before },
      `${source} sends VRRPv3 checksums ${form === 'plain' ? 'without' : 'with'} the IPv4 pseudo-header`,
    );
  }

  /** Keep the status board's "who is master" current: us, or the backup's advertiser. */
  private trackMaster(event: FsmEvent): void {
    let master: string | undefined;
    if (this.fsm.state === 'MASTER') master = this.cfg.primaryAddress;
    else if (this.fsm.state === 'BACKUP' && event.type === 'advert' && event.priority > 0)
      master = event.source;
    else if (this.fsm.state === 'BACKUP' && event.type !== 'advert') master = this.masterAddress;
    if (master === this.masterAddress) return;
    this.masterAddress = master;
    this.io.observer.vrrpMaster(this.name, master);
  }

  private execute(a: FsmAction): void {
    switch (a.type) {
      case 'transition':
        this.io.observer.vrrpState(this.name, a.from, a.to, a.reason, this.fsm.effectivePriority);
        break;
      case 'sendAdvert':
        this.sendAdvert(a.priority);
        break;
      case 'addVips':
        if (!a.accept && !this.warnedNoAccept) {
          this.warnedNoAccept = true;
          this.io.observer.log.warn(
            { instance: this.name },
            'no_accept is not enforced: packets to the VIPs are accepted (no firewall rules installed)',
          );
        }
        this.queueChanges('add', ownedBy(this.current));
        break;
      case 'delVips':
        if (!this.keepVips) this.queueChanges('del', ownedBy(this.current).reverse());
        break;
      case 'garp':
        this.queueAnnounce(this.allVips(), a.reason, a.count);
        break;
      case 'setTimer':
        this.timers.set(a.timer, a.at);
        break;
      case 'cancelTimer':
        this.timers.cancel(a.timer);
        break;
      case 'notify':
        this.notifier.notify(a.state, a.priority);
        break;
      case 'discard':
        if (a.kind === 'interval') this.io.observer.packetDropped('interval', this.name);
        this.io.observer.log.debug({ instance: this.name, reason: a.reason }, 'advert discarded');
        break;
    }
  }

  private sendAdvert(priority: number): void {
    const v2 = this.spec.version === 2;
    const advert: VrrpAdvert = {
      version: this.spec.version,
      vrid: this.spec.vrid,
      priority,
      intervalCs: this.cfg.advertIntCs,
      addresses: this.spec.vips.map((v) => v.address),
      authType: v2 && this.spec.authPass !== undefined ? VRRP_AUTH_PASS : VRRP_AUTH_NONE,
      authData: v2 ? passAuthData(this.spec.authPass ?? '') : Buffer.alloc(0),
    };
    const targets =
      this.spec.unicastPeers.length > 0
        ? this.spec.unicastPeers.map((p) => p.address)
        : [this.spec.mcastGroup];
    for (const dst of targets) {
      try {
        this.io.channel.send(advert, this.cfg.primaryAddress, dst, this.spec.v3ChecksumAsV2);
        this.io.observer.advertSent(this.name);
      } catch (err) {
        this.io.observer.log.error({ instance: this.name, dst, err }, 'sending advert failed');
      }
    }
  }

  private allVips(): VipSpec[] {
    return [...this.current.vips, ...this.current.excludedVips];
  }

  private queueAnnounce(vips: VipSpec[], reason: GarpReason, count: number): void {
    this.addressQueue = this.addressQueue.then(async () => {
      try {
        await this.io.announcer.announce(vips, count);
        this.io.observer.garpSent(this.name, reason, count);
      } catch (err) {
        this.io.observer.log.error(
          { instance: this.name, err },
          'sending gratuitous ARP / NA failed',
        );
      }
    });
  }

  /**
   * Adds or deletes VIPs, routes and rules in the order given. A failed netlink call (ENOBUFS, a
   * link briefly gone...) is logged and retried with back-off (1 s doubling to 30 s) for as long
   * as the instance still wants that outcome: installed while MASTER, absent otherwise.
   */
  private queueChanges(op: 'add' | 'del', items: Owned[], attempt = 0): void {
    if (items.length === 0) return;
    this.addressQueue = this.addressQueue.then(async () => {
      const failed: Owned[] = [];
      for (const item of items) {
        try {
          await applyOwned(this.io, op, item, this.name);
        } catch (err) {
          failed.push(item);
          const { what, fields } = describeOwned(item, false);
          this.io.observer.log.error(
            { instance: this.name, ...fields, op, err, attempt },
            `${what} ${op} failed; retrying`,
          );
        }
      }
      if (failed.length === 0) return;
      const retry = setTimeout(
        () => {
          this.addressRetries.delete(retry);
          const wanted = (this.fsm.state === 'MASTER') === (op === 'add');
          if (wanted && !(op === 'del' && this.keepVips))
            this.queueChanges(op, failed, attempt + 1);
        },
        Math.min(30_000, 1000 * 2 ** attempt),
      );
      this.addressRetries.add(retry);
    });
  }
}
