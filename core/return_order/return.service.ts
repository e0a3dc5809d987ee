import { AppError } from '../domain/errors.js';
import { EVENT_TYPES } from '../domain/events.js';
import { isSplit, type Order } from '../domain/order.js';
import { allocateReturn } from './return-allocation.js';
import { tenantScope, type SellerScope } from '../domain/tenant-scope.js';
import type { Sequences } from '../platform/dynamo.js';
import { newId } from '../platform/ids.js';
import { orderLockKey, type Locker } from '../platform/locker.js';
import type { OrderRepository } from '../order/order.repository.js';
import type { StockPort } from '../inventory/stock.port.js';
import { updateOrderRetrying } from '../fulfillment/order-retry.js';
import type { PaymentService } from '../payment/payment.service.js';
import type { ReturnRepository } from './return.repository.js';
import { RETURN_MOVES, returnableProblems, toReturnView, type ReturnItem, type ReturnOrder, type ReturnStatus } from './return.types.js';

const MAX_ATTEMPTS = 5;

export class ReturnService {
  constructor(
    private readonly repo: ReturnRepository,
    private readonly orders: OrderRepository,
    private readonly stock: StockPort,
    private readonly sequences: Sequences,
    private readonly locker: Locker,
    /** Refunds with an amount become a `refunded` payment event of the order. */
    private readonly payments: PaymentService,
  ) {}

  /**
   * Requests a return of delivered units. The order's lock serialises requests for one order, so
   * two at once cannot both take the last returnable unit; the `return.created.v1` event goes out
   * through the order's outbox.
   */
  async request(scope: SellerScope, orderId: string, items: ReturnItem[]): Promise<ReturnOrder> {
    const order = await this.findOrder(scope, orderId);
    return this.locker.withLock(orderLockKey(scope.tenantId, order.id), async () => {
      const current = await this.findOrder(scope, order.id);
      if (current.status !== 'delivered') {
        throw new AppError('conflict', `only delivered orders can be returned; this one is ${current.status}`, { order_id: orderId, status: current.status });
      }
      const earlier = await this.repo.listForOrder(scope, current.id);
      const problems = returnableProblems(current.order_items, earlier, items);
      if (problems.length > 0) throw AppError.validation(problems, 'more than was delivered, or items not in the order');
      // A split order's units go back to the hubs of the parts that shipped them.
      const split = isSplit(current) ? allocateReturn(current.fulfilments ?? [], earlier, items) : null;
      if (split && split.problems.length > 0) throw AppError.validation(split.problems, 'more than the delivered parts shipped');
      const now = new Date();
      const ret: ReturnOrder = {
        id: newId('ret'),
        tenant_id: scope.tenantId,
        seller_id: scope.sellerId,
        order_id: current.id,
        return_number: await this.sequences.next(scope.tenantId, 'return'),
        hub_code: split?.parts[0]?.hub_code ?? current.hub_code ?? '',
        ...(split ? { parts: split.parts } : {}),
        status: 'requested',
        items,
        history: [{ at: now, from: null, to: 'requested', note: null }],
        received_at: null,
        created_at: now,
        updated_at: now,
        version: 1,
      };
      await this.repo.insert(ret);
      await this.noteOnOrder(current, ret, 'return_requested', [{ type: EVENT_TYPES.returnCreated, data: { return: toReturnView(ret) } }]);
      return ret;
    });
  }

  async get(scope: SellerScope, id: string): Promise<ReturnOrder> {
    const ret = await this.repo.findForSeller(scope, id);
    if (!ret) throw AppError.notFound('return', id);
    return ret;
  }

  /**
   * requested -> received (restocks the order's hub once) -> refunded | closed. Repeating a move is a no-op.
   * A refund with `refundAmount` is first applied to the order's payment (refused with nothing
   * written when it exceeds what was paid), keyed by the return, so a retry after a crash
   * refunds nothing twice.
   */
  async move(scope: SellerScope, id: string, to: ReturnStatus, note: string | null, refundAmount: number | null = null): Promise<ReturnOrder> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const ret = await this.get(scope, id);
      if (ret.status === to) return ret;
      if (!RETURN_MOVES[ret.status].includes(to)) {
        throw new AppError('invalid_transition', `a return cannot move from ${ret.status} to ${to}`, { from: ret.status, to });
      }
      // Restock first, keyed by the return: a crash before the status write restocks nothing twice.
      if (to === 'received') await this.restock(scope, ret);
      if (to === 'refunded' && refundAmount !== null) {
        const input = { event_id: `return:${ret.id}:refund`, type: 'refunded' as const, amount: refundAmount, currency: null, reference: ret.id, reason: note ?? `return ${ret.return_number}` };
        await this.payments.record(scope, { id: ret.order_id }, input, 'seller', 'return');
      }
      const extra = to === 'received' ? { received_at: new Date() } : to === 'refunded' && refundAmount !== null ? { refund_amount: refundAmount } : {};
      const moved = await this.repo.move(ret, to, note, extra);
      if (moved) {
        const order = await this.orders.findInTenant(scope, ret.order_id);
        // The customer hears that their parcel came back (core/notification): the event rides on the order's outbox.
        const events = to === 'received' ? [{ type: EVENT_TYPES.returnReceived, data: { return: toReturnView(moved) } }] : [];
        if (order) await this.noteOnOrder(order, moved, `return_${to}`, events);
        return moved;
      }
    }
    throw new AppError('version_conflict', `return ${id} kept changing; try again`, { return_id: id });
  }

  /** Each unit back at the hub it shipped from: the order's hub, or each part's on a split order (keyed per part). */
  private async restock(scope: SellerScope, ret: ReturnOrder): Promise<void> {
    if (!ret.parts) {
      if (ret.hub_code) await this.stock.restock(scope, ret.hub_code, linesOf(ret.items), `return:${ret.id}`);
      return;
    }
    const byPart = new Map<string, { hub_code: string; lines: { sku: string; quantity: number }[] }>();
    for (const p of ret.parts) {
      const entry = byPart.get(p.fulfilment_id) ?? { hub_code: p.hub_code, lines: [] };
      entry.lines.push({ sku: p.sku, quantity: p.quantity });
      byPart.set(p.fulfilment_id, entry);
    }
    for (const [fulfilmentId, { hub_code, lines }] of byPart) await this.stock.restock(scope, hub_code, lines, `return:${ret.id}:${fulfilmentId}`);
  }

  private async noteOnOrder(order: Order, ret: ReturnOrder, kind: string, events: { type: string; data: Record<string, unknown> }[]): Promise<void> {
    await updateOrderRetrying(this.orders, tenantScope(order.tenant_id), order, (current) =>
      current.timeline.some((t) => t.kind === kind && t.details?.return_id === ret.id)
        ? null
        : { timeline: [{ actor: 'seller', kind, from: null, to: null, reason: null, details: { return_id: ret.id, items: ret.items } }], events },
    );
  }

  private async findOrder(scope: SellerScope, orderId: string): Promise<Order> {
    const order = (await this.orders.findById(scope, orderId)) ?? (await this.orders.findBySellerOrderId(scope, orderId));
    if (!order) throw AppError.notFound('order', orderId);
    return order;
  }
}

function linesOf(items: ReturnItem[]): { sku: string; quantity: number }[] {
  const bySku = new Map<string, number>();
  for (const i of items) bySku.set(i.seller_sku_code, (bySku.get(i.seller_sku_code) ?? 0) + i.quantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}
