import type { Collection, Db } from 'mongodb';
import type { SellerScope, TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';
import type { Invoice } from './invoice.types.js';

type InvoiceDoc = Omit<Invoice, 'id'> & { _id: string };

export const INVOICE_INDEXES: IndexPlan = {
  invoices: [
    // One invoice per order, one order per number: a retried issue can never make a second.
    { key: { tenant_id: 1, order_id: 1 }, name: 'tenant_order', unique: true },
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
      const existing = await this.findByOrder(invoice, invoice.order_id);
      if (!existing) throw err;
      return existing;
    }
  }

  async findByOrder(scope: TenantScope | Pick<Invoice, 'tenant_id'>, orderId: string): Promise<Invoice | null> {
    const tenantId = 'tenantId' in scope ? scope.tenantId : scope.tenant_id;
    const doc = await this.invoices.findOne({ tenant_id: tenantId, order_id: orderId });
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
