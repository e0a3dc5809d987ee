import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, type OutboundEvent } from '../domain/events.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { Logger } from '../platform/logger.js';
import type { Queues } from '../platform/queues.js';
import type { StockRow } from './stock.types.js';

/**
 * `inventory.low_stock.v1` when a row's available falls under the tenant threshold, sent on the
 * order-updates queue, whose consumer forwards every event to the seller's Pusher channel. Sent
 * only on the crossing (before >= threshold > after), so a hot SKU draining to zero warns once,
 * not per order. Best effort: a lost warning must never fail the stock change that caused it.
 * Stock is the tenant's, events are per seller: a change with no seller behind it (a restock)
 * is logged only.
 */
export class LowStockNotifier {
  constructor(
    private readonly queues: Queues,
    private readonly logger: Logger,
  ) {}

  crossed(before: number, after: number, threshold: number): boolean {
    return before >= threshold && after < threshold;
  }

  notify(scope: TenantScope, sellerId: string | null, row: StockRow, threshold: number): void {
    const data = { hub_code: row.hub_code, sku: row.sku, on_hand: row.on_hand, reserved: row.reserved, available: row.available, threshold };
    if (!sellerId) {
      this.logger.warn({ ...data, tenant_id: scope.tenantId }, 'stock is low');
      return;
    }
    const event: OutboundEvent = {
      event_id: randomUUID(),
      event: EVENT_TYPES.inventoryLowStock,
      occurred_at: new Date().toISOString(),
      tenant_id: scope.tenantId,
      seller_id: sellerId,
      order_id: null,
      data,
    };
    void this.queues.send('orderUpdates', event).catch((err) => this.logger.warn({ err, ...data, tenant_id: scope.tenantId }, 'low-stock event not delivered'));
  }
}
