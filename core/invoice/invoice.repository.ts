import type { Collection, Db } from 'mongodb';
import type { SellerScope, TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';
import type { Invoice } from './invoice.types.js';

type InvoiceDoc = Omit<Invoice, 'id'> & { _id: string };

export const INVOICE_INDEXES: IndexPlan = {
  invoices: [
    // One invoice per order (fulfilment_id null) or per part of a split order, one number each:
    // a retried issue can never make a second. It replaces `tenant_order` (one per order).
    { key: { tenant_id: 1, order_id: 1, fulfilment_id: 1 }, name: 'tenant_order_fulfilment', unique: true, replaces: 'tenant_order' },
    { key: { tenant_id: 1, number: 1 }, name: 'tenant_number', unique: true },
    { key: { tenant_id: 1, seller_id: 1, invoice_number: 1 }, name: 'tenant_seller_invoice_number' },
  ],
};

export class InvoiceRepository {
  private readonly invoices: Collection<InvoiceDoc>;

  constructor(db: Db) {
    this.invoices = db.collection('invoices');
  }

  /** Inserts, or returns the invoice the order already has (a retry after a crash). */
  async insertOnce(invoice: Invoice): Promise<Invoice> {
    const { id, ...rest } = invoice;
    try {
      await this.invoices.insertOne({ _id: id, ...rest });
      return invoice;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.findByOrder(invoice, invoice.order_id, invoice.fulfilment_id ?? undefined);
      if (!existing) throw err;
      return existing;
    }
  }

  /** The order's invoice (the first issued, on a split order invoiced per part), or `fulfilmentId`'s. */
  async findByOrder(scope: TenantScope | Pick<Invoice, 'tenant_id'>, orderId: string, fulfilmentId?: string): Promise<Invoice | null> {
    const tenantId = 'tenantId' in scope ? scope.tenantId : scope.tenant_id;
    const doc = await this.invoices.findOne({ tenant_id: tenantId, order_id: orderId, ...(fulfilmentId ? { fulfilment_id: fulfilmentId } : {}) }, { sort: { number: 1 } });
    return doc ? fromDoc(doc) : null;
  }

  async findByNumber(scope: SellerScope, invoiceNumber: string): Promise<Invoice | null> {
    const doc = await this.invoices.findOne({ tenant_id: scope.tenantId, seller_id: scope.sellerId, invoice_number: invoiceNumber });
    return doc ? fromDoc(doc) : null;
  }
}

function fromDoc({ _id, ...rest }: InvoiceDoc): Invoice {
  return { id: _id, ...rest };
}
