// One entry of the runtime's socket pool: the VRRP socket of an interface and address family,
// shared by every instance on it. The socket is open while the interface exists; the entry
// itself outlives the interface, keeping the instances' registrations and multicast groups, so
// an interface created later (or deleted and created again) gets a fresh socket bound to it.
// keepalived's sockpool does the same with dynamic_interfaces: an entry for an absent interface
// has fd -1 ("VRRP sockpool: [ifindex(0), ... fd(-1,-1)]") until the interface appears.
import { KtsError } from '../errors.js';
import { VrrpSocket, type ReceivedAdvert, type SocketDropReason } from '../net/vrrp-socket.js';
import type { AdvertChannel } from './instance.js';
import type { Family, VrrpAdvert } from './packet.js';
import { noDevice } from './vip-addresses.js';

export class SocketSlot implements AdvertChannel {
  private sock: VrrpSocket | undefined;
  private readonly groups = new Set<string>();
  private readonly handlers = new Map<number, (r: ReceivedAdvert) => void>();

  constructor(
    readonly family: Family,
    readonly ifname: string,
    private readonly onDrop: (reason: SocketDropReason, source: string | undefined) => void,
  ) {}

  get isOpen(): boolean {
    return this.sock !== undefined;
  }

  /**
   * Opens the socket if it is not open. A missing interface (ENODEV) is the expected "not yet"
   * and leaves it closed; any other failure throws.
   */
  open(): void {
    if (this.sock) return;
    let sock: VrrpSocket;
    try {
      sock = new VrrpSocket({
        family: this.family,
        ifname: this.ifname,
        onDrop: (reason, source) => this.onDrop(reason, source),
      });
    } catch (err) {
      if (noDevice(err)) return;
      throw err;
    }
    try {
      for (const group of this.groups) sock.joinGroup(group);
      for (const [vrid, handler] of this.handlers) sock.register(vrid, handler);
    } catch (err) {
      sock.close();
      throw err;
    }
    this.sock = sock;
  }

  /** Closes the socket (the interface is gone, or the runtime stops); registrations stay. */
  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }

  joinGroup(group: string): void {
    if (this.groups.has(group)) return;
    this.sock?.joinGroup(group);
    this.groups.add(group);
  }

  register(vrid: number, handler: (r: ReceivedAdvert) => void): void {
    if (this.handlers.has(vrid)) {
      throw new KtsError(
        'VRRP_VRID_IN_USE',
        `VRID ${vrid} already used on ${this.ifname} (IPv${this.family})`,
      );
    }
    this.sock?.register(vrid, handler);
    this.handlers.set(vrid, handler);
  }

  unregister(vrid: number): void {
    this.sock?.unregister(vrid);
    this.handlers.delete(vrid);
  }

  send(advert: VrrpAdvert, src: string, dst: string, v3ChecksumAsV2: boolean): void {
    if (!this.sock) {
      throw new KtsError('VRRP_NO_INTERFACE', `interface ${this.ifname} does not exist`);
    }
    this.sock.send(advert, src, dst, v3ChecksumAsV2);
  }
}
