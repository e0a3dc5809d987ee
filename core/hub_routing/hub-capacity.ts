import { fulfilmentsOf, type Order, type OrderStatus } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { HubService } from '../hub/hub.service.js';
import type { Hub } from '../hub/hub.types.js';
import type { HubCapacityRepository, Slot } from './hub-capacity.repository.js';

/** Statuses of an order that keeps the slot of the hub it was routed to. */
const TAKES_CAPACITY: readonly OrderStatus[] = ['approved', 'picking', 'picked', 'packing', 'packed', 'shipped', 'delivered', 'delivery_failed', 'returned_to_origin', 'partially_shipped'];

/** A slot this young of an order still pending or held may belong to a routing in progress: reported, not freed. */
const IN_FLIGHT_GRACE_MS = 60_000;

export interface CapacityDifference {
  hub_code: string;
  day: string;
  order_id: string;
  kind: 'orphan_slot' | 'in_flight_slot';
  repaired?: boolean;
}

/**
 * A hub's daily capacity as a hard limit: an order takes one slot of the hub's UTC day before
 * stock is reserved there and gives it back when it does not end up there (lost race, WMS
 * refusal, lost order update, hold), when it is cancelled and when it moves to another hub.
 * A crash between taking a slot and routing the order leaves a slot the redelivered routing
 * reuses or frees; `reconcile` frees what nothing will come back for.
 *
 * Only today's slots are looked after: a past day's count no longer limits anything, so an
 * order cancelled the day after it was routed leaves that day's count as it was.
 */
export class HubCapacity {
  constructor(
    private readonly repo: HubCapacityRepository,
    private readonly hubs: HubService,
    /** config hub.capacity_check: off, capacities are not enforced at all. */
    private readonly enabled: boolean,
  ) {}

  /** Slots taken today per hub with a capacity, not counting `orderId`'s own (it may reuse it). */
  async loadToday(scope: TenantScope, hubs: Hub[], orderId: string): Promise<Map<string, number>> {
    const load = new Map<string, number>();
    if (!this.enabled) return load;
    await Promise.all(
      hubs
        .filter((h) => h.daily_capacity !== null)
        .map(async (h) => {
          const day = await this.repo.find(scope, h.code, today());
          load.set(h.code, day ? day.taken - Number(day.order_ids.includes(orderId)) : 0);
        }),
    );
    return load;
  }

  /** A slot of today at `hub` for the order (or the one it has); false when the hub is full. */
  async claim(scope: TenantScope, hub: Hub, orderId: string): Promise<boolean> {
    if (!this.enabled || hub.daily_capacity === null) return true;
    return (await this.repo.take(scope, hub.code, today(), orderId, hub.daily_capacity)) !== 'full';
  }

  /** Gives back today's slot at `hubCode` (a hub the order did not end up at). */
  async releaseAt(scope: TenantScope, hubCode: string, orderId: string): Promise<void> {
    await this.repo.release(scope, { hub_code: hubCode, day: today() }, orderId);
  }

  /** The slots of today the order holds, at any hub (the truth, whatever the order document says). */
  async slotsOf(scope: TenantScope, orderId: string): Promise<Slot[]> {
    if (!this.enabled) return [];
    const day = today();
    const limited = (await this.hubs.list(scope)).filter((h) => h.daily_capacity !== null);
    const docs = await Promise.all(limited.map((h) => this.repo.find(scope, h.code, day)));
    return docs.filter((d) => d?.order_ids.includes(orderId)).map((d) => ({ hub_code: d!.hub_code, day }));
  }

  async releaseSlots(scope: TenantScope, orderId: string, slots: Slot[]): Promise<void> {
    for (const slot of slots) await this.repo.release(scope, slot, orderId);
  }

  /** Gives back every slot of the order except those at `hubCode` (a split order's hubs; null or []: all of them). */
  async keepOnly(scope: TenantScope, orderId: string, hubCode: string | readonly string[] | null): Promise<void> {
    const keep = hubCode === null ? [] : typeof hubCode === 'string' ? [hubCode] : hubCode;
    await this.releaseSlots(scope, orderId, (await this.slotsOf(scope, orderId)).filter((s) => !keep.includes(s.hub_code)));
  }

  /** Today's slots, by order (whatever the hubs' capacity settings say now). */
  async slotsToday(scope: TenantScope): Promise<Map<string, Slot[]>> {
    const byOrder = new Map<string, Slot[]>();
    for (const d of await this.repo.listDay(scope, today())) for (const id of d.order_ids) byOrder.set(id, [...(byOrder.get(id) ?? []), { hub_code: d.hub_code, day: d.day }]);
    return byOrder;
  }

  /**
   * Today's slots whose order is not (or no longer) at that hub in a status that takes capacity:
   * a routing killed after taking its slot whose message is gone, say. With repair they are freed.
   */
  async reconcile(scope: TenantScope, findOrder: (id: string) => Promise<Order | null>, options: { repair: boolean }): Promise<CapacityDifference[]> {
    const differences: CapacityDifference[] = [];
    for (const day of await this.repo.listDay(scope, today())) {
      for (const orderId of day.order_ids) {
        const order = await findOrder(orderId);
        if (order && slotHubsOf(order).includes(day.hub_code)) continue;
        const slot: Slot = { hub_code: day.hub_code, day: day.day };
        if (order && inFlight(order)) {
          differences.push({ ...slot, order_id: orderId, kind: 'in_flight_slot' });
          continue;
        }
        const repaired = options.repair ? await this.repo.release(scope, slot, orderId) : undefined;
        differences.push({ ...slot, order_id: orderId, kind: 'orphan_slot', ...(options.repair ? { repaired } : {}) });
      }
    }
    return differences;
  }
}

/** The hubs whose slot the order keeps in its current state (one per part of a split order); none when it should hold none. */
export function slotHubsOf(order: Order): string[] {
  if (!TAKES_CAPACITY.includes(order.status)) return [];
  const parts = fulfilmentsOf(order).filter((f) => f.status !== 'cancelled');
  return parts.length > 0 ? parts.map((f) => f.hub_code) : order.hub_code ? [order.hub_code] : [];
}

function inFlight(order: Order): boolean {
  return (order.status === 'pending' || order.status === 'on_hold') && Date.now() - order.updated_at.getTime() < IN_FLIGHT_GRACE_MS;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}
