// What the VRRP side installs besides sending adverts: addresses, routes and rules, either of a
// MASTER instance (virtual_ipaddress, virtual_routes, virtual_rules) or of the node itself
// (static_ipaddress, static_routes, static_rules). One place orders them, matches them across a
// reload, carries out one change and logs it.
import { emit } from '../observe/events.js';
import type { Observer } from '../observe/observer.js';
import type { AddressManager } from './instance.js';
import type { VipSpec } from './spec.js';
import type { RouteManager, VirtualRouteSpec, VirtualRuleSpec } from './virtual-routes.js';

export type Owned =
  | { kind: 'vip'; vip: VipSpec }
  | { kind: 'route'; route: VirtualRouteSpec }
  | { kind: 'rule'; rule: VirtualRuleSpec };

export interface OwnedSet {
  addresses: VipSpec[];
  routes: VirtualRouteSpec[];
  rules: VirtualRuleSpec[];
}

/** In install order: addresses (so routes from or via them resolve), then routes, then rules. */
export function ownedItems(set: OwnedSet): Owned[] {
  return [
    ...set.addresses.map((vip): Owned => ({ kind: 'vip', vip })),
    ...set.routes.map((route): Owned => ({ kind: 'route', route })),
    ...set.rules.map((rule): Owned => ({ kind: 'rule', rule })),
  ];
}

/** Identity across a reload: an address by address and device, a route or rule by `ip` form. */
export function ownedKey(o: Owned): string {
  switch (o.kind) {
    case 'vip':
      return `vip ${o.vip.address}/${o.vip.prefixLength}/${o.vip.dev}`;
    case 'route':
      return `route ${o.route.text}`;
    case 'rule':
      return `rule ${o.rule.text}`;
  }
}

export const vipsOf = (owned: Owned[]) => owned.flatMap((o) => (o.kind === 'vip' ? [o.vip] : []));

export interface OwnedIo {
  addresses: AddressManager;
  routes: RouteManager;
  observer: Observer;
}

const addressText = (vip: VipSpec) => `${vip.address}/${vip.prefixLength}`;

/**
 * One add or delete for `instance` (undefined: the node's static entries); logs the change when
 * the kernel's state changed. Throws what the kernel refused.
 */
export async function applyOwned(
  io: OwnedIo,
  op: 'add' | 'del',
  item: Owned,
  instance: string | undefined,
): Promise<void> {
  const { addresses, routes, observer } = io;
  const add = op === 'add';
  switch (item.kind) {
    case 'vip': {
      const { vip } = item;
      if (!(await (add ? addresses.add(vip) : addresses.del(vip)))) return;
      if (instance === undefined) {
        observer.log.info(
          { address: addressText(vip), dev: vip.dev },
          `static address ${add ? 'added' : 'removed'}`,
        );
      } else if (add) {
        observer.vipAdded(instance, addressText(vip), vip.dev);
      } else {
        observer.vipRemoved(instance, addressText(vip), vip.dev);
      }
      return;
    }
    case 'route':
      if (await (add ? routes.addRoute(item.route) : routes.delRoute(item.route)))
        emit(observer.log, add ? 'vroute.add' : 'vroute.del', {
          ...(instance === undefined ? {} : { instance }),
          route: item.route.text,
        });
      return;
    case 'rule':
      if (await (add ? routes.addRule(item.rule) : routes.delRule(item.rule)))
        emit(observer.log, add ? 'vrule.add' : 'vrule.del', {
          ...(instance === undefined ? {} : { instance }),
          rule: item.rule.text,
        });
      return;
  }
}

/** How a failed change names its item in the log: a message subject and fields. */
export function describeOwned(
  item: Owned,
  isStatic: boolean,
): { what: string; fields: Record<string, string> } {
  const prefix = isStatic ? 'static' : 'virtual';
  switch (item.kind) {
    case 'vip':
      return {
        what: isStatic ? 'static address' : 'VIP',
        fields: { address: addressText(item.vip), dev: item.vip.dev },
      };
    case 'route':
      return { what: `${prefix} route`, fields: { route: item.route.text } };
    case 'rule':
      return { what: `${prefix} rule`, fields: { rule: item.rule.text } };
  }
}
