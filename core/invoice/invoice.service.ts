import { AppError } from '../domain/errors.js';
import { EVENT_TYPES } from '../domain/events.js';
import type { Fulfilment, Order } from '../domain/order.js';
import { tenantScope, type SellerScope } from '../domain/tenant-scope.js';
import type { Sequences } from '../platform/dynamo.js';
import { newId } from '../platform/ids.js';
import type { OrderRepository } from '../order/order.repository.js';
import { updateOrderRetrying } from '../fulfillment/order-retry.js';
import type { InvoiceRepository } from './invoice.repository.js';
import { buildInvoice, type Invoice } from './invoice.types.js';

export class InvoiceService {
  constructor(
    private readonly repo: InvoiceRepository,
    private readonly orders: OrderRepository,
    private readonly sequences: Sequences,
    private readonly config: { tax_rate: number },
  ) {}

  /**
   * Issues the order's invoice once. The number is claimed for the order id (Sequences.claim), so
   * a retry after a crash at any line gets the same number back: no duplicates, no gaps. Then the
   * invoice is stored and its number written on the order.
   */
  async issueFor(order: Order): Promise<Invoice> {
    const scope = tenantScope(order.tenant_id);
    let invoice = await this.repo.findByOrder(scope, order.id);
    if (!invoice) {
      const number = await this.sequences.claim(order.tenant_id, 'invoice', order.id);
      invoice = await this.repo.insertOnce(buildInvoice(order, number, this.config.tax_rate, newId('inv')));
    }
    await this.stampOrder(order, invoice);
    return invoice;
  }

  /**
   * Issues one part's invoice once (a split order invoiced per fulfilment): its lines at the
   * order's prices, its own number claimed for `{order}:{part}` as an order's is for the order.
   * The part shows its number; the order's `invoice_number` is the first one issued.
   */
  async issueForPart(order: Order, part: Fulfilment): Promise<Invoice> {
    const scope = tenantScope(order.tenant_id);
    let invoice = await this.repo.findByOrder(scope, order.id, part.fulfilment_id);
    if (!invoice) {
      const number = await this.sequences.claim(order.tenant_id, 'invoice', `${order.id}:${part.fulfilment_id}`);
      invoice = await this.repo.insertOnce(buildInvoice(order, number, this.config.tax_rate, newId('inv'), new Date(), part));
    }
    const issued = invoice;
    await updateOrderRetrying(this.orders, scope, order, (current) => {
      const now = current.fulfilments?.find((f) => f.fulfilment_id === part.fulfilment_id);
      if (!now || now.invoice_number) return null;
      return {
        set: {
          fulfilments: (current.fulfilments ?? []).map((f) => (f.fulfilment_id === part.fulfilment_id ? { ...f, invoice_number: issued.invoice_number } : f)),
          ...(current.invoice_number ? {} : { invoice_number: issued.invoice_number }),
        },
        timeline: [{ actor: 'system', kind: 'invoice_issued', from: null, to: null, reason: part.fulfilment_id, details: { invoice_number: issued.invoice_number, total: issued.total, fulfilment_id: part.fulfilment_id } }],
        events: [{ type: EVENT_TYPES.orderUpdated, data: { invoice_number: issued.invoice_number, fulfilment_id: part.fulfilment_id } }],
      };
    });
    return invoice;
  }

  async forOrder(scope: SellerScope, orderId: string): Promise<Invoice> {
    const order = await this.orders.findById(scope, orderId);
    if (!order) throw AppError.notFound('order', orderId);
    const invoice = await this.repo.findByOrder(scope, order.id);
    if (!invoice) throw new AppError('not_found', `order ${orderId} has no invoice yet`, { order_id: orderId });
    return invoice;
  }

  async byNumber(scope: SellerScope, invoiceNumber: string): Promise<Invoice> {
    const invoice = await this.repo.findByNumber(scope, invoiceNumber);
    if (!invoice) throw AppError.notFound('invoice', invoiceNumber);
    return invoice;
  }

  private async stampOrder(order: Order, invoice: Invoice): Promise<void> {
    await updateOrderRetrying(this.orders, tenantScope(order.tenant_id), order, (current) =>
      current.invoice_number
        ? null
        : {
            set: { invoice_number: invoice.invoice_number },
            timeline: [{ actor: 'system', kind: 'invoice_issued', from: null, to: null, reason: null, details: { invoice_number: invoice.invoice_number, total: invoice.total } }],
            events: [{ type: EVENT_TYPES.orderUpdated, data: { invoice_number: invoice.invoice_number } }],
          },
    );
  }
}
