import type { StockService } from '../../inventory/stock.service.js';
import { inventoryHandler } from '../handlers/inventory.handler.js';
import type { ListenerRegistration } from '../runtime/server.js';

/** The inventory listener: oms-inventory-queue, sized by config workers.inventory. */
export function inventoryListener(stock: StockService): ListenerRegistration {
  return { queue: 'inventory', handler: inventoryHandler(stock) };
}
