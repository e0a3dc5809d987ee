import type { HandlerGroup } from '../workers/runtime/handler-group.js';
import { InventoryUpdateMessage } from './inventory.schemas.js';
import type { StockService } from './stock.service.js';

/**
 * oms-inventory-queue: a WMS's stock figure. An absolute on_hand is idempotent by nature; a
 * delta is applied once per message id (recorded on the stock row with the change itself).
 * Unknown hubs, bad figures and an on_hand below what is reserved can never succeed: dead-lettered.
 */
export function registerInventoryHandlers(queues: HandlerGroup, stock: StockService): void {
  queues.add('inventory', InventoryUpdateMessage, async ({ msg, scope, message }) => {
    await stock.applyUpdate(scope, msg, message.attributes.idempotency_key ?? message.id);
  });
}
