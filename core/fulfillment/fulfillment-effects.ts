import { isSplit, type Order } from '../domain/order.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { StockPort } from '../inventory/stock.port.js';
import type { InvoiceService } from '../invoice/invoice.service.js';
import type { InvoicingSettings } from '../tenant/tenant.types.js';
import { LEFT_HUB, invoiceDue } from './status-report.js';

/**
 * What reaching a stage entails beyond the order document: stock leaves the hub on ship, comes
 * back on RTO, and the invoice is issued. The status change is written first and these follow;
 * each one is idempotent (per order, or per restock key), so they are simply re-run for every
 * event about the order, duplicates included: a process that died between the status change and
 * an effect is healed by the next delivery of any event.
 */
export class FulfillmentEffects {
  constructor(
    private readonly stock: StockPort,
    private readonly invoices: InvoiceService,
    private readonly config: { create_on: 'shipped' | 'packed' },
    /** How the tenant invoices a split order (read only for split orders). */
    private readonly invoicing: (tenantId: string) => Promise<InvoicingSettings>,
  ) {}

  async settle(order: Order): Promise<void> {
    const scope = tenantScope(order.tenant_id);
    if (isSplit(order)) await this.settleParts(order);
    else if (LEFT_HUB.includes(order.status)) await this.stock.consumeForOrder(scope, order);
    if (isSplit(order) && (await this.invoicing(order.tenant_id)).per === 'fulfilment') await this.invoiceParts(order);
    else if (invoiceDue(order.status, this.config.create_on) && !order.invoice_number) await this.invoices.issueFor(order);
    if (!isSplit(order) && order.status === 'returned_to_origin' && order.hub_code) {
      await this.stock.restock(scope, order.hub_code, orderLines(order), `rto:${order.id}`);
    }
  }

  /** A split order: each part's units leave (and come back to) its own hub, as its own events say. */
  private async settleParts(order: Order): Promise<void> {
    const scope = tenantScope(order.tenant_id);
    for (const part of order.fulfilments ?? []) {
      if (LEFT_HUB.includes(part.status)) await this.stock.consumeForOrder(scope, order, part.hub_code);
      if (part.status === 'returned_to_origin') await this.stock.restock(scope, part.hub_code, part.lines, `rto:${order.id}:${part.fulfilment_id}`);
    }
  }

  /** Each part is invoiced on its own when it reaches the invoicing stage (cancelled parts never are). */
  private async invoiceParts(order: Order): Promise<void> {
    // An order invoiced as a whole before the tenant switched to per-part invoices stays so.
    if (order.invoice_number && !order.fulfilments?.some((f) => f.invoice_number)) return;
    for (const part of order.fulfilments ?? []) {
      if (invoiceDue(part.status, this.config.create_on) && !part.invoice_number) await this.invoices.issueForPart(order, part);
    }
  }
}

/** The units an order physically holds, by SKU (the parcel that comes back on RTO). */
export function orderLines(order: Order): { sku: string; quantity: number }[] {
  const bySku = new Map<string, number>();
  for (const item of order.order_items) bySku.set(item.seller_sku_code, (bySku.get(item.seller_sku_code) ?? 0) + item.quantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}
