import type { Actor, Order, OrderSource } from '../domain/order.js';
import type { SellerScope } from '../domain/tenant-scope.js';

/**
 * What a bulk job needs from the order and routing domains: the same use cases a single call
 * runs. Each method returns a short result for the item or throws the AppError the single
 * call would have answered with.
 */
export interface BulkItemExecutor {
  createOrder(scope: SellerScope, input: unknown, actor: Actor): Promise<Record<string, unknown>>;
  approve(scope: SellerScope, orderId: string, actor: Actor): Promise<Record<string, unknown>>;
  cancel(scope: SellerScope, orderId: string, reason: string, actor: Actor): Promise<Record<string, unknown>>;
  assignHub(scope: SellerScope, orderId: string, hubCode: string, actor: Actor): Promise<Record<string, unknown>>;
  /** When an earlier attempt of a create may have succeeded: the order it made, if it exists. */
  findOrder(scope: SellerScope, id: string): Promise<Order | null>;
}

/** The order service methods the executor calls (core/order/order.service.ts). */
export interface OrderUseCases {
  create(scope: SellerScope, input: never, actor: Actor, opts: { source: OrderSource }): Promise<Order | { order: Order }>;
  cancel(scope: SellerScope, id: string, reason: string, actor: Actor): Promise<Order>;
}

/** HubRoutingService's approve and assignHub (core/hub_routing). */
export interface RoutingUseCases {
  approve(scope: SellerScope, id: string, actor: Actor): Promise<Order>;
  assignHub(scope: SellerScope, orderId: string, hubCode: string, actor: Actor): Promise<Order>;
}

export function itemResult(order: Order): Record<string, unknown> {
  return { id: order.id, order_id: order.order_id, status: order.status, hub_code: order.hub_code, hold_reason: order.hold_reason };
}

/** The executor over the real services. */
export class ServiceItemExecutor implements BulkItemExecutor {
  constructor(
    private readonly orders: OrderUseCases,
    private readonly routing: RoutingUseCases,
    private readonly find: (scope: SellerScope, id: string) => Promise<Order | null>,
  ) {}

  async createOrder(scope: SellerScope, input: unknown, actor: Actor): Promise<Record<string, unknown>> {
    // `bulk`: routed on the bulk lane, so a big job never queues in front of single orders (ADR 0016).
    const created = await this.orders.create(scope, input as never, actor, { source: 'bulk' });
    return itemResult('order' in created ? created.order : created);
  }

  async approve(scope: SellerScope, orderId: string, actor: Actor): Promise<Record<string, unknown>> {
    return itemResult(await this.routing.approve(scope, orderId, actor));
  }

  async cancel(scope: SellerScope, orderId: string, reason: string, actor: Actor): Promise<Record<string, unknown>> {
    return itemResult(await this.orders.cancel(scope, orderId, reason, actor));
  }

  async assignHub(scope: SellerScope, orderId: string, hubCode: string, actor: Actor): Promise<Record<string, unknown>> {
    return itemResult(await this.routing.assignHub(scope, orderId, hubCode, actor));
  }

  findOrder(scope: SellerScope, id: string): Promise<Order | null> {
    return this.find(scope, id);
  }
}

