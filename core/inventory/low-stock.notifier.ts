import { randomUUID } from 'node:crypto';
import { EVENT_SCHEMA_VERSION, EVENT_TYPES, type OutboundEvent } from '../domain/events.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { EventPublisher } from '../platform/event-stream.js';
import type { Logger } from '../platform/logger.js';
import type { StockRow } from './stock.types.js';

/**
 * Stock events on the `oms-events` topic: `inventory.low_stock.v1` when a row's available falls
 * under the tenant threshold (the order-updates subscriber forwards it to the seller's Pusher
 * channel), sent only on the crossing (before >= threshold > after), so a hot SKU draining to
 * zero warns once, not per order; and `inventory.updated.v1` when on_hand is set or adjusted.
 * Best effort, not through an outbox (stock rows have none): a lost event must never fail the
 * stock change that caused it. Stock is the tenant's, events are per seller: a change with no
 * seller behind it (a restock) is logged only.
 */
export class LowStockNotifier {
  constructor(
    private readonly publisher: EventPublisher,
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
    this.send(scope, sellerId, EVENT_TYPES.inventoryLowStock, data);
  }

  /** On-hand changed by a seller's set, delta or transfer leg. */
  updated(scope: TenantScope, sellerId: string, row: StockRow, change: 'set' | 'adjusted', delta: number | null): void {
    this.send(scope, sellerId, EVENT_TYPES.inventoryUpdated, { hub_code: row.hub_code, sku: row.sku, on_hand: row.on_hand, reserved: row.reserved, available: row.available, change, delta });
  }

  private send(scope: TenantScope, sellerId: string, type: string, data: Record<string, unknown>): void {
    const event: OutboundEvent = {
      event_id: randomUUID(),
      event: type,
      schema_version: EVENT_SCHEMA_VERSION,
      occurred_at: new Date().toISOString(),
      tenant_id: scope.tenantId,
      seller_id: sellerId,
      order_id: null,
      sequence: null,
      data,
    };
    const lost = (err: unknown) => this.logger.warn({ err, ...data, event: type, tenant_id: scope.tenantId }, 'stock event not delivered');
    void this.publisher.publish([event]).then(([r]) => (r && !r.ok ? lost(new Error(r.reason)) : undefined), lost);
  }
}
