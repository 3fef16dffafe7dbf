// IpvsClient: the kernel's IPVS table over generic netlink (family "IPVS").
//
// API
//   const ipvs = await IpvsClient.open({ timeoutMs?, netns? });   KtsError ENOIPVS without IPVS
//   await ipvs.getInfo()                     { version: '1.2.1', versionCode, connTableSize }
//   await ipvs.readTable()                   every service with its destinations (dumps)
//   await ipvs.getService(serviceKey)        one service, or undefined (a keyed request)
//   await ipvs.listServices() / listDestinations(serviceKey)
//   await ipvs.addService(s) / editService(s) / deleteService(key)
//   await ipvs.addDestination(key, d) / editDestination(key, d) / deleteDestination(key, dkey)
//   await ipvs.flush()
//   ipvs.close()
// Changes made in the same turn go out packed into datagrams of up to 256, with one ACK each
// (NetlinkSocket.command); dump parts are decoded in place as they arrive. Both are what make a
// 10,000-entry table apply and read back faster than ipvsadm -R / -Sn (bench/ipvs-apply.ts).
// Refusals are NetlinkError (code = errno name, op = "IPVS_CMD_NEW_SERVICE tcp 10.0.0.1:80").
// A request that times out or finds the socket overrun rejects with NetlinkSocketError, and the
// socket is replaced before the next request (a wedged netlink socket hung moby/ipvs and
// kube-proxy for good: ipvs-netlink.md §1.7).
import { KtsError } from '../errors.js';
import { NETLINK_GENERIC, NLM_F_DUMP } from '../netlink/constants.js';
import { resolveFamily } from '../netlink/genl.js';
import { NetlinkSocketError, isNotExist } from '../netlink/errors.js';
import type { NetlinkMessage } from '../netlink/message.js';
import { NetlinkSocket, type NetlinkSocketOptions, type ReplyDecoder } from '../netlink/socket.js';
import {
  decodeDestinationMessageAt,
  decodeInfoMessage,
  decodeServiceMessage,
  decodeServiceMessageAt,
  ipvsMessage,
  type IpvsInfo,
  type IpvsMessageParts,
} from './codec.js';
import {
  IPVS_CMD_DEL_DEST,
  IPVS_CMD_DEL_SERVICE,
  IPVS_CMD_FLUSH,
  IPVS_CMD_GET_DEST,
  IPVS_CMD_GET_INFO,
  IPVS_CMD_GET_SERVICE,
  IPVS_CMD_NEW_DEST,
  IPVS_CMD_NEW_SERVICE,
  IPVS_CMD_SET_DEST,
  IPVS_CMD_SET_SERVICE,
  IPVS_GENL_NAME,
} from './constants.js';
import {
  destinationName,
  serviceName,
  type Destination,
  type DestinationKey,
  type IpvsTable,
  type Service,
  type ServiceKey,
} from './types.js';

export interface IpvsClientOptions extends Pick<NetlinkSocketOptions, 'timeoutMs' | 'netns'> {
  /** Opens each netlink socket; default a NETLINK_GENERIC socket (tests: a fake kernel). */
  openSocket?: (opts: NetlinkSocketOptions) => NetlinkSocket;
}

const openGenericSocket = (opts: NetlinkSocketOptions) => NetlinkSocket.open(NETLINK_GENERIC, opts);

/**
 * Requests in flight on an IPVS socket, so changes go out a few hundred per datagram. Each may
 * come back as an error (about 1 KiB of receive buffer each): 256 fit the 1 MiB buffer we force,
 * which IPVS's CAP_NET_ADMIN always allows (NativeNetlinkTransport, SO_RCVBUFFORCE).
 */
export const IPVS_MAX_IN_FLIGHT = 256;

interface Connection {
  nl: NetlinkSocket;
  /** The dynamic generic netlink id of the IPVS family in this kernel. */
  familyId: number;
}

/** Opens a generic netlink socket and resolves the IPVS family on it. */
async function connect(opts: IpvsClientOptions): Promise<Connection> {
  const { openSocket = openGenericSocket, ...socketOpts } = opts;
  const nl = openSocket({ maxInFlight: IPVS_MAX_IN_FLIGHT, ...socketOpts });
  try {
    const family = await resolveFamily(nl, IPVS_GENL_NAME);
    return { nl, familyId: family.id };
  } catch (err) {
    nl.close();
    if (err instanceof KtsError && err.code === 'GENL_FAMILY_NOT_FOUND') {
      throw new KtsError('ENOIPVS', 'this kernel has no IPVS; load ip_vs (modprobe ip_vs)', {
        cause: err,
      });
    }
    throw err;
  }
}

export class IpvsClient {
  /** The last dump issued: a netlink socket runs one dump at a time (EBUSY otherwise). */
  private dumpChain: Promise<unknown> = Promise.resolve();
  private current: Connection | undefined;
  private reconnecting: Promise<Connection> | undefined;
  private closed = false;

  private constructor(
    private readonly opts: IpvsClientOptions,
    first: Connection,
  ) {
    this.current = first;
  }

  /** Opens a generic netlink socket and resolves the IPVS family (KtsError ENOIPVS: none). */
  static async open(opts: IpvsClientOptions = {}): Promise<IpvsClient> {
    return new IpvsClient(opts, await connect(opts));
  }

  close(): void {
    this.closed = true;
    this.current?.nl.close();
    this.current = undefined;
  }

  private reconnect(): Promise<Connection> {
    if (this.closed) {
      return Promise.reject(new NetlinkSocketError('NETLINK_CLOSED', 'IPVS client closed'));
    }
    this.reconnecting ??= connect(this.opts).then(
      (c) => {
        this.reconnecting = undefined;
        if (this.closed) {
          c.nl.close();
          throw new NetlinkSocketError('NETLINK_CLOSED', 'IPVS client closed');
        }
        this.current = c;
        return c;
      },
      (err: unknown) => {
        this.reconnecting = undefined;
        throw err;
      },
    );
    return this.reconnecting;
  }

  /**
   * Runs `exchange` on the current connection (opening one if needed). Timeouts and overruns leave
   * the socket in doubt: it is replaced. A dump interrupted by a concurrent table change is only a
   * stale read; the socket is fine.
   */
  private call<T>(exchange: (c: Connection) => Promise<T>): Promise<T> {
    const run = (c: Connection) =>
      exchange(c).catch((err: unknown) => {
        const doubtful =
          err instanceof NetlinkSocketError && err.code !== 'NETLINK_DUMP_INTERRUPTED';
        if (doubtful && this.current === c) {
          c.nl.close();
          this.current = undefined;
        }
        throw err;
      });
    return this.current ? run(this.current) : this.reconnect().then(run);
  }

  /** A request answered with data (GET_INFO, a keyed GET_SERVICE). */
  private send(cmd: number, op: string, parts?: IpvsMessageParts): Promise<NetlinkMessage[]> {
    const payload = ipvsMessage(cmd, parts);
    return this.call((c) => c.nl.request(c.familyId, 0, payload, op));
  }

  /**
   * A change (NEW/SET/DEL_*, FLUSH). Changes made in one turn share a datagram and one ACK
   * (NetlinkSocket.command): the batching that lets applyOps beat `ipvsadm -R`.
   */
  private change(cmd: number, op: string, parts?: IpvsMessageParts): Promise<void> {
    const payload = ipvsMessage(cmd, parts);
    return this.call((c) => c.nl.command(c.familyId, 0, payload, op));
  }

  /**
   * A dump, each part decoded as it arrives; it runs after every dump issued before it has
   * finished.
   */
  private dump<T>(
    cmd: number,
    op: string,
    parts: IpvsMessageParts | undefined,
    decode: ReplyDecoder<T>,
  ): Promise<T[]> {
    const run = this.dumpChain.then(() => {
      const payload = ipvsMessage(cmd, parts);
      return this.call((c) => c.nl.requestDecoded(c.familyId, NLM_F_DUMP, payload, op, decode));
    });
    this.dumpChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async getInfo(): Promise<IpvsInfo> {
    const [reply] = await this.send(IPVS_CMD_GET_INFO, 'IPVS_CMD_GET_INFO');
    if (!reply) throw new KtsError('IPVS_NO_REPLY', 'IPVS_CMD_GET_INFO: no reply');
    return decodeInfoMessage(reply.data);
  }

  /** One service by its key (a keyed request, not a dump); undefined when there is none (ESRCH). */
  async getService(key: ServiceKey): Promise<Service | undefined> {
    const op = `IPVS_CMD_GET_SERVICE ${serviceName(key)}`;
    try {
      const [reply] = await this.send(IPVS_CMD_GET_SERVICE, op, { serviceKey: key });
      if (!reply) throw new KtsError('IPVS_NO_REPLY', `${op}: no reply`);
      return decodeServiceMessage(reply.data);
    } catch (err) {
      if (isNotExist(err)) return undefined;
      throw err;
    }
  }

  listServices(): Promise<Service[]> {
    return this.dump(
      IPVS_CMD_GET_SERVICE,
      'IPVS_CMD_GET_SERVICE',
      undefined,
      decodeServiceMessageAt,
    );
  }

  listDestinations(key: ServiceKey): Promise<Destination[]> {
    return this.dump(
      IPVS_CMD_GET_DEST,
      `IPVS_CMD_GET_DEST ${serviceName(key)}`,
      { serviceKey: key },
      (buf, start, end) => decodeDestinationMessageAt(buf, start, end, key.family),
    );
  }

  /** The whole table: one service dump, then one destination dump per service. */
  async readTable(): Promise<IpvsTable> {
    const services = await this.listServices();
    return Promise.all(
      services.map(async (service) => ({
        service,
        destinations: await this.listDestinations(service.key),
      })),
    );
  }

  async addService(s: Service): Promise<void> {
    return this.change(IPVS_CMD_NEW_SERVICE, `IPVS_CMD_NEW_SERVICE ${serviceName(s.key)}`, {
      service: s,
    });
  }

  async editService(s: Service): Promise<void> {
    return this.change(IPVS_CMD_SET_SERVICE, `IPVS_CMD_SET_SERVICE ${serviceName(s.key)}`, {
      service: s,
    });
  }

  async deleteService(key: ServiceKey): Promise<void> {
    return this.change(IPVS_CMD_DEL_SERVICE, `IPVS_CMD_DEL_SERVICE ${serviceName(key)}`, {
      serviceKey: key,
    });
  }

  async addDestination(key: ServiceKey, d: Destination): Promise<void> {
    return this.change(IPVS_CMD_NEW_DEST, destOp('IPVS_CMD_NEW_DEST', key, d), {
      serviceKey: key,
      destination: d,
    });
  }

  async editDestination(key: ServiceKey, d: Destination): Promise<void> {
    return this.change(IPVS_CMD_SET_DEST, destOp('IPVS_CMD_SET_DEST', key, d), {
      serviceKey: key,
      destination: d,
    });
  }

  async deleteDestination(key: ServiceKey, d: DestinationKey): Promise<void> {
    return this.change(IPVS_CMD_DEL_DEST, destOp('IPVS_CMD_DEL_DEST', key, d), {
      serviceKey: key,
      destinationKey: d,
    });
  }

  /** Removes every service (and so every destination) in this network namespace. */
  async flush(): Promise<void> {
    return this.change(IPVS_CMD_FLUSH, 'IPVS_CMD_FLUSH');
  }
}

function destOp(cmd: string, key: ServiceKey, d: DestinationKey): string {
  return `${cmd} ${serviceName(key)} -> ${destinationName(d)}`;
}
