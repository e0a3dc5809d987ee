import type { Order } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { Hub } from '../hub/hub.types.js';
import type { StockService } from '../inventory/stock.service.js';
import type { StockLine } from '../inventory/stock.types.js';
import type { HubCapacity } from './hub-capacity.js';

/** What taking a hub for an order gave: the means to give it back, or why it could not be had. */
export type HubReservation =
  | { ok: true; undo(): Promise<void> }
  | { ok: false; lacking: 'capacity'; why: string }
  | { ok: false; lacking: 'stock'; sku: string; why: string };

/**
 * Taking a hub for an order, as one step that carries its own compensation (as Medusa's workflow
 * steps do): a slot of the hub's day first (a full hub is skipped before any stock is touched
 * there), then every line's units, all or none. A caller that fails later (the order changed, an
 * external WMS refused) calls `undo` instead of unwinding by hand. Routing, manual assignment
 * and reassignment all take hubs this way.
 */
export class HubReservations {
  constructor(
    private readonly stock: StockService,
    private readonly capacity: HubCapacity,
  ) {}

  async take(scope: TenantScope, hub: Hub, order: Pick<Order, 'id' | 'seller_id'>, lines: StockLine[]): Promise<HubReservation> {
    if (!(await this.capacity.claim(scope, hub, order.id))) {
      return { ok: false, lacking: 'capacity', why: `at daily capacity (${hub.daily_capacity}/${hub.daily_capacity})` };
    }
    const reserved = await this.stock.reserveAll(scope, hub.code, order, lines);
    if (!reserved.ok) {
      await this.capacity.releaseAt(scope, hub.code, order.id);
      return { ok: false, lacking: 'stock', sku: reserved.sku, why: `${reserved.sku}: ${reserved.available} available` };
    }
    return {
      ok: true,
      undo: async () => {
        await this.stock.releaseHolds(scope, reserved.holds);
        await this.capacity.releaseAt(scope, hub.code, order.id);
      },
    };
  }
}
