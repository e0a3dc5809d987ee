import { z } from 'zod';
import type { SellerRoutes } from '../../router/app.js';
import type { InvoiceService } from './invoice.service.js';
import { toInvoiceView } from './invoice.types.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { InvoiceView } from './invoice.responses.js';

export function registerInvoiceRoutes(seller: SellerRoutes, invoices: InvoiceService): void {
  seller.add(
    { method: 'get', path: '/orders/:order_id/invoice', operationId: 'getOrderInvoice', response: dataOf(InvoiceView), summary: "The order's invoice (issued when it ships)", tag: 'invoices', params: z.object({ seller_id: z.string(), order_id: z.string().min(1) }) },
    async ({ params, caller }) => ({ body: { data: toInvoiceView(await invoices.forOrder(caller.scope!, params.order_id)) } }),
  );
  seller.add(
    { method: 'get', path: '/invoices/:invoice_number', operationId: 'getInvoice', response: dataOf(InvoiceView), summary: 'An invoice by its number', tag: 'invoices', params: z.object({ seller_id: z.string(), invoice_number: z.string().min(1).max(64) }) },
    async ({ params, caller }) => ({ body: { data: toInvoiceView(await invoices.byNumber(caller.scope!, params.invoice_number)) } }),
  );
}
