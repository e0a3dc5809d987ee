import type { Fulfilment, Order } from '../domain/order.js';

export interface InvoiceLine {
  seller_sku_code: string;
  quantity: number;
  unit_price: number;
  /** quantity × unit_price, before tax. */
  net: number;
  tax: number;
  total: number;
}

export interface Invoice {
  id: string;
  tenant_id: string;
  seller_id: string;
  /** The OMS order id and the seller's own reference. */
  order_id: string;
  seller_order_id: string;
  /**
   * The part of a split order this invoice is for (tenant setting invoicing.per = fulfilment);
   * null on an order's one invoice (absent on invoices issued before parts had invoices).
   */
  fulfilment_id?: string | null;
  /** Per-tenant, gapless: 1, 2, 3… */
  number: number;
  invoice_number: string;
  currency: string;
  tax_rate: number;
  lines: InvoiceLine[];
  subtotal: number;
  tax_total: number;
  total: number;
  issued_at: Date;
}

export function formatInvoiceNumber(n: number): string {
  return `INV-${String(n).padStart(6, '0')}`;
}

function round2(x: number): number {
  return Math.round((x + Number.EPSILON) * 100) / 100;
}

/**
 * The invoice of an order. Unit prices are taken as net of tax (the sales channels send them so)
 * and tax is charged per line, rounded to cents, so the lines always add up to the totals.
 */
export function buildInvoice(order: Order, number: number, taxRate: number, id: string, issuedAt = new Date(), part?: Fulfilment): Invoice {
  const lines = (part ? partItems(order, part) : order.order_items).map((item) => {
    const net = round2(item.quantity * item.unit_price);
    const tax = round2(net * taxRate);
    return { seller_sku_code: item.seller_sku_code, quantity: item.quantity, unit_price: item.unit_price, net, tax, total: round2(net + tax) };
  });
  const subtotal = round2(lines.reduce((s, l) => s + l.net, 0));
  const taxTotal = round2(lines.reduce((s, l) => s + l.tax, 0));
  return {
    id,
    tenant_id: order.tenant_id,
    seller_id: order.seller_id,
    order_id: order.id,
    seller_order_id: order.order_id,
    // Written as null on an order's one invoice: the unique index (tenant, order, part) must see
    // "no part" as one value, and not every store indexes a missing key as null.
    fulfilment_id: part?.fulfilment_id ?? null,
    number,
    invoice_number: formatInvoiceNumber(number),
    currency: order.payment.currency,
    tax_rate: taxRate,
    lines,
    subtotal,
    tax_total: taxTotal,
    total: round2(subtotal + taxTotal),
    issued_at: issuedAt,
  };
}

export function toInvoiceView(inv: Invoice): Record<string, unknown> {
  const { tenant_id: _t, fulfilment_id, ...rest } = inv;
  return { ...rest, ...(fulfilment_id ? { fulfilment_id } : {}), issued_at: inv.issued_at.toISOString() };
}

/** The order's items as one part ships them: its quantities, at the order's prices. */
function partItems(order: Order, part: Fulfilment): { seller_sku_code: string; quantity: number; unit_price: number }[] {
  return part.lines.map((line) => {
    const item = order.order_items.find((i) => i.seller_sku_code === line.sku);
    return { seller_sku_code: line.sku, quantity: line.quantity, unit_price: item?.unit_price ?? 0 };
  });
}
