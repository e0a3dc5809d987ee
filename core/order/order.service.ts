import { AppError } from '../domain/errors.js';
import type { Actor, Order, OrderSource, SalesChannelRef, TimelineEntry } from '../domain/order.js';
import type { SellerScope } from '../domain/tenant-scope.js';
import { EVENT_TYPES } from '../domain/events.js';
import { newId } from '../platform/ids.js';
import { orderLockKey, type Locker } from '../platform/locker.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { RuleBook } from '../rules/rule-book.js';
import type { Sequences } from '../platform/dynamo.js';
import type { Telemetry } from '../platform/telemetry.js';
import { planEdits, type EditSource, type OrderEdit } from './order-edits.js';
import type { OrderEventRelay } from './order-event.relay.js';
import type { ListFilter, OrderRepository } from './order.repository.js';
import { CreateOrderBody, type CreateOrderInput } from './order.schemas.js';
import { parseInput } from '../domain/validation.js';

export interface CreateOptions {
  /**
   * `sales_channel` for orders ingested from a channel's queue, `bulk` for bulk jobs (stored on
   * the order and its timeline; bulk and backfill orders are routed on the bulk lane, ADR 0016).
   */
  source?: OrderSource;
  logger?: Logger;
}

export interface OrderServiceDeps {
  repo: OrderRepository;
  relay: OrderEventRelay;
  sequences: Sequences;
  locker: Locker;
  logger: Logger;
  telemetry: Telemetry;
  metrics: Metrics;
  /** Tenant rules: tags, priority and firings are written with the create or edit itself. */
  rules: RuleBook;
  /** Order numbers taken from the tenant's sequence at once (config order.number_block_size). */
  numberBlockSize: number;
}

/**
 * The order use cases. Every door (public and internal routes, the create-order listener, bulk
 * jobs) calls these methods; every status change goes through OrderRepository.transition.
 * Approval lives with routing (core/hub_routing): approving an order is deciding where its stock
 * is held.
 */
export class OrderService {
  constructor(private readonly deps: OrderServiceDeps) {}

  /**
   * `input` is validated here as well as at the door (it is cheap and idempotent), so bulk jobs
   * and any future caller get the same field errors and nothing is written on bad input.
   */
  async create(scope: SellerScope, raw: CreateOrderInput | Record<string, unknown>, actor: Actor, opts: CreateOptions = {}): Promise<Order> {
    const { repo, sequences, relay } = this.deps;
    const input = parseInput(CreateOrderBody, raw);
    const source = opts.source ?? 'api';
    const now = new Date();
    const draft: Order = {
      id: newId('ord'),
      tenant_id: scope.tenantId,
      seller_id: scope.sellerId,
      order_id: input.order_id,
      order_number: 0,
      status: 'pending',
      hold_reason: null,
      hub_code: input.hub_code,
      sales_channel: input.sales_channel,
      order_items: input.order_items,
      customer: input.customer,
      shipping_address: input.shipping_address,
      payment: input.payment,
      shipment: null,
      invoice_number: null,
      routing: null,
      reservation: null,
      source,
      timeline: [{ at: now, actor, kind: 'created', from: null, to: 'pending', reason: null, details: { source } }],
      outbox: [],
      created_at: now,
      updated_at: now,
      version: 1,
    };
    this.reportMissingItemIds(draft, opts.logger ?? this.deps.logger);
    // Evaluated in memory (cached rules) before a number is taken; holds and hubs are routing's to apply.
    const { effects } = await this.deps.rules.effects(scope, draft);
    Object.assign(draft, effects.set);
    draft.timeline.push(...effects.timeline.map((e) => ({ ...e, at: now })));
    // A duplicate is refused by the insert's unique indexes, after its number was drawn: order
    // numbers may have gaps (as with any sequence), never repeats.
    draft.order_number = await sequences.next(scope.tenantId, 'order', this.deps.numberBlockSize);
    const created = await repo.insert(scope, draft);
    this.deps.metrics.domainEvents.inc({ event: 'order_created' });
    this.deps.rules.counted(effects.recorded);
    await relay.relayQuietly(created);
    return created;
  }

  async get(scope: SellerScope, id: string): Promise<Order> {
    const order = await this.deps.repo.findById(scope, id);
    if (!order) throw AppError.notFound('order', id);
    return order;
  }

  list(scope: SellerScope, filter: ListFilter, page: number, perPage: number): Promise<{ orders: Order[]; total: number }> {
    return this.deps.repo.list(scope, filter, page, perPage);
  }

  async timeline(scope: SellerScope, id: string): Promise<TimelineEntry[]> {
    return (await this.get(scope, id)).timeline;
  }

  edit(scope: SellerScope, id: string, edit: OrderEdit, actor: Actor): Promise<Order> {
    return this.applyEdits(scope, id, [edit], actor, 'api');
  }

  /** Several edits in one conditional update, under the order's lock (EDIT_RULES decide what is allowed). */
  async applyEdits(scope: SellerScope, id: string, edits: OrderEdit[], actor: Actor, source: EditSource): Promise<Order> {
    return this.locked(scope, id, async () => {
      const order = await this.get(scope, id);
      const plan = planEdits(order, edits, source);
      const types = edits.map((e) => e.edit_type);
      // Rules see the edited order; a hold that may lift once unmatched is re-evaluated by routing (on the updated event).
      const { effects } = await this.deps.rules.effects(scope, { ...order, ...plan.set });
      const updated = await this.deps.repo.update(scope, order, {
        set: { ...plan.set, ...effects.set },
        timeline: [{ actor, kind: 'edited', from: order.status, to: order.status, reason: types.join(', '), details: { edit_types: types, fields: plan.fields, source } }, ...effects.timeline],
        events: [{ type: EVENT_TYPES.orderUpdated, data: { edit_types: types, fields: plan.fields, source } }],
      });
      if (updated) this.deps.rules.counted(effects.recorded);
      return this.afterWrite(order, updated);
    });
  }

  /** Cancels with a reason; the relay releases the order's stock when it relays the move (crash-safe). */
  async cancel(scope: SellerScope, id: string, reason: string, actor: Actor): Promise<Order> {
    return this.locked(scope, id, async () => {
      const order = await this.get(scope, id);
      const updated = await this.deps.repo.transition(scope, order, { to: 'cancelled', actor, reason });
      return this.afterWrite(order, updated);
    });
  }

  /** The sales channel's update_order: payment, customer and address changes through the edit rules. */
  async updateFromChannel(scope: SellerScope, channel: SalesChannelRef, edits: OrderEdit[], actor: Actor): Promise<Order> {
    const order = await this.requireByChannel(scope, channel);
    return this.applyEdits(scope, order.id, edits, actor, 'sales_channel');
  }

  /** The sales channel's cancel_order; cancelling a cancelled order again is a no-op (redelivery). */
  async cancelFromChannel(scope: SellerScope, channel: SalesChannelRef, reason: string, actor: Actor): Promise<Order> {
    const order = await this.requireByChannel(scope, channel);
    if (order.status === 'cancelled') return order;
    return this.cancel(scope, order.id, reason, actor);
  }

  private async requireByChannel(scope: SellerScope, channel: SalesChannelRef): Promise<Order> {
    const order = await this.deps.repo.findByChannel(scope, channel.name, channel.order_id);
    // Retryable: a channel's update may overtake its create on a standard queue.
    if (!order) {
      throw new AppError('order_not_found', `no order for ${channel.name} order ${channel.order_id}`, { sales_channel: channel }, { retryable: true });
    }
    return order;
  }

  private locked<T>(scope: SellerScope, id: string, fn: () => Promise<T>): Promise<T> {
    return this.deps.locker.withLock(orderLockKey(scope.tenantId, id), fn);
  }

  /** A null update means someone changed the order after we read it: the lock expired or was bypassed. */
  private async afterWrite(before: Order, updated: Order | null): Promise<Order> {
    if (!updated) {
      throw new AppError('version_conflict', 'the order was changed by someone else; read it again and retry', { id: before.id, version: before.version });
    }
    await this.deps.relay.relayQuietly(updated);
    return updated;
  }

  /** Lines without the channel's item id cannot be matched on the channel later (partial fulfilment, refunds). */
  private reportMissingItemIds(order: Order, logger: Logger): void {
    if (!order.sales_channel) return;
    const skus = order.order_items.filter((i) => !i.sales_channel_order_item_id).map((i) => i.seller_sku_code);
    if (skus.length === 0) return;
    const attributes = {
      tenant_id: order.tenant_id,
      seller_id: order.seller_id,
      sales_channel: order.sales_channel.name,
      sales_channel_order_id: order.sales_channel.order_id,
      skus: skus.join(','),
    };
    logger.warn(attributes, 'order lines without sales_channel_order_item_id');
    this.deps.telemetry.noticeError(new Error('order lines without sales_channel_order_item_id'), attributes);
  }
}
