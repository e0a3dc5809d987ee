import { randomUUID } from 'node:crypto';
import type { Collection, Db, Filter, UpdateFilter } from 'mongodb';
import { AppError } from '../domain/errors.js';
import { EVENT_TYPES } from '../domain/events.js';
import { orderEventState, type Actor, type Fulfilment, type HoldReason, type Order, type OrderStatus, type OutboxEvent, type TimelineEntry } from '../domain/order.js';
import type { SellerScope, TenantScope } from '../domain/tenant-scope.js';
import { RESERVING_STATUSES, partsAfterOrderMove, planTransition } from '../domain/transitions.js';
import { currentActorName } from '../platform/call-context.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';

/** The stored document: the Order with `_id` for `id`, plus keys that make uniqueness indexable. */
export type OrderDoc = Omit<Order, 'id'> & {
  _id: string;
  /** `{channel}:{channel order id}`, or `direct:{order_id}`: one order per sales-channel order. */
  channel_key: string;
  /** Lower-cased words for the `q` search (order id, customer name, phone, email). */
  search: string[];
  /** Set while the outbox holds events: lets the sweeper find them through a tenant index. */
  outbox_pending: boolean;
};

export const ORDER_INDEXES: IndexPlan = {
  orders: [
    { key: { tenant_id: 1, seller_id: 1, order_id: 1 }, name: 'tenant_seller_order_id', unique: true },
    { key: { tenant_id: 1, seller_id: 1, channel_key: 1 }, name: 'tenant_seller_channel_key', unique: true },
    { key: { tenant_id: 1, seller_id: 1, created_at: -1 }, name: 'tenant_seller_created' },
    { key: { tenant_id: 1, seller_id: 1, status: 1, created_at: -1 }, name: 'tenant_seller_status_created' },
    { key: { tenant_id: 1, seller_id: 1, hub_code: 1, created_at: -1 }, name: 'tenant_seller_hub_created' },
    { key: { tenant_id: 1, seller_id: 1, 'sales_channel.name': 1, created_at: -1 }, name: 'tenant_seller_channel_created' },
    { key: { tenant_id: 1, seller_id: 1, search: 1 }, name: 'tenant_seller_search' },
    { key: { tenant_id: 1, outbox_pending: 1 }, name: 'tenant_outbox_pending' },
    // The unpaid-prepaid timeout sweep (core/payment) and held-order sweeps across sellers.
    { key: { tenant_id: 1, 'payment.status': 1, created_at: 1 }, name: 'tenant_payment_status_created' },
    { key: { tenant_id: 1, status: 1, seller_id: 1 }, name: 'tenant_status_seller' },
    // SLA sweep (core/sla): orders with something to record by now
    { key: { tenant_id: 1, 'sla.next_check_at': 1 }, name: 'tenant_sla_next_check' },
  ],
};

/** What an event needs beyond the order state: its type and any extra data. */
export interface EventSpec {
  type: string;
  data?: Record<string, unknown>;
}

/** A change to one order, applied by a single conditional update on its version. */
export interface OrderChange {
  /** Fields to set (never `status`: use `transition`). */
  set?: Partial<Omit<Order, 'id' | 'status' | 'version' | 'timeline' | 'outbox' | 'tenant_id' | 'seller_id'>>;
  timeline?: Omit<TimelineEntry, 'at'>[];
  events?: EventSpec[];
}

export interface TransitionRequest extends OrderChange {
  to: OrderStatus;
  actor: Actor;
  reason?: string | null;
  holdReason?: HoldReason | null;
  /** WMS and courier events may skip forward stages (recorded on the timeline). */
  allowSkip?: boolean;
}

export interface ListFilter {
  status?: OrderStatus;
  hub_code?: string;
  sales_channel?: string;
  created_from?: Date;
  created_to?: Date;
  q?: string;
}

/**
 * The only code that touches the orders collection. Every write is one conditional update on
 * `{tenant_id, _id, version}` (and `status` for transitions) that also appends the timeline
 * entries and the outbox events of the change, so the change and its events are atomic.
 */
export class OrderRepository {
  private readonly collection: Collection<OrderDoc>;

  constructor(db: Db) {
    this.collection = db.collection('orders');
  }

  /**
   * Inserts a new order with its `order.created.v1` event. The unique indexes decide duplicates
   * (same seller order id, or same channel order) in the one write: the colliding order is read
   * only then, for the error's details. No read precedes the insert.
   */
  async insert(scope: SellerScope, order: Order): Promise<Order> {
    if (order.tenant_id !== scope.tenantId || order.seller_id !== scope.sellerId) throw new Error('order does not belong to the scope it is inserted in');
    const events = [...order.outbox, newEvent({ type: EVENT_TYPES.orderCreated }, order)].map((e, i) => ({ ...e, sequence: i + 1 }));
    const created: Order = { ...order, timeline: named(order.timeline), outbox: events, event_seq: events.length };
    try {
      await this.collection.insertOne(toDoc(created));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.findDuplicate(scope, order);
      throw new AppError('order_already_exists', `order ${order.order_id} already exists`, {
        order_id: existing?.order_id ?? order.order_id,
        id: existing?.id ?? null,
        ...(existing?.sales_channel ? { sales_channel: existing.sales_channel } : {}),
      });
    }
    return created;
  }

  /**
   * The order of this seller that an insert of `order` collides with (same seller order id or
   * same channel order). Two equality lookups, each served by a unique index.
   */
  async findDuplicate(scope: SellerScope, order: Pick<Order, 'order_id' | 'sales_channel'>): Promise<Order | null> {
    const seller = { tenant_id: scope.tenantId, seller_id: scope.sellerId };
    const [byOrderId, byChannel] = await Promise.all([
      this.collection.findOne({ ...seller, order_id: order.order_id }),
      this.collection.findOne({ ...seller, channel_key: channelKey(order) }),
    ]);
    const doc = byOrderId ?? byChannel;
    return doc ? fromDoc(doc) : null;
  }

  async findById(scope: SellerScope, id: string): Promise<Order | null> {
    const doc = await this.collection.findOne({ tenant_id: scope.tenantId, seller_id: scope.sellerId, _id: id });
    return doc ? fromDoc(doc) : null;
  }

  /**
   * The tenant's orders changed after `since`, oldest change first (operators' `oms events tail`
   * follows timelines with it). Served by the tenant prefix of the indexes: a scan of one tenant.
   */
  async changedSince(scope: TenantScope, since: Date, limit: number): Promise<Order[]> {
    const docs = await this.collection.find({ tenant_id: scope.tenantId, updated_at: { $gt: since } }).sort({ updated_at: 1 }).limit(limit).toArray();
    return docs.map(fromDoc);
  }

  /** For workers whose message names the tenant and the OMS id but not (reliably) the seller. */
  async findInTenant(scope: TenantScope, id: string): Promise<Order | null> {
    const doc = await this.collection.findOne({ tenant_id: scope.tenantId, _id: id });
    return doc ? fromDoc(doc) : null;
  }

  async findBySellerOrderId(scope: SellerScope, orderId: string): Promise<Order | null> {
    const doc = await this.collection.findOne({ tenant_id: scope.tenantId, seller_id: scope.sellerId, order_id: orderId });
    return doc ? fromDoc(doc) : null;
  }

  async findByChannel(scope: SellerScope, channel: string, channelOrderId: string): Promise<Order | null> {
    const doc = await this.collection.findOne({
      tenant_id: scope.tenantId,
      seller_id: scope.sellerId,
      channel_key: `${channel}:${channelOrderId}`,
    });
    return doc ? fromDoc(doc) : null;
  }

  async list(scope: SellerScope, filter: ListFilter, page: number, perPage: number): Promise<{ orders: Order[]; total: number }> {
    const query = listQuery(scope, filter);
    const [docs, total] = await Promise.all([
      this.collection
        .find(query, { projection: { outbox: 0, search: 0 } })
        .sort({ created_at: -1, _id: -1 })
        .skip((page - 1) * perPage)
        .limit(perPage)
        .toArray(),
      this.collection.countDocuments(query),
    ]);
    return { orders: docs.map((d) => fromDoc({ ...d, outbox: [] })), total };
  }

  /** Orders of a seller in `status`, oldest first (approve-on-hold sweeps, reconciliation). */
  async listByStatus(scope: SellerScope, status: OrderStatus, limit: number): Promise<Order[]> {
    const docs = await this.collection
      .find({ tenant_id: scope.tenantId, seller_id: scope.sellerId, status })
      .sort({ created_at: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(fromDoc);
  }

  /**
   * Prepaid orders of the tenant not paid yet, created before `cutoff`, still in a status a
   * payment timeout may cancel (oldest first): the payment timeout sweep's work list.
   */
  async unpaidPrepaidBefore(scope: TenantScope, cutoff: Date, limit: number): Promise<Order[]> {
    const docs = await this.collection
      .find({
        tenant_id: scope.tenantId,
        'payment.status': { $in: ['pending', 'authorized', 'failed'] },
        created_at: { $lte: cutoff },
        'payment.method': 'prepaid',
        status: { $in: ['pending', 'on_hold', 'approved'] },
      })
      .sort({ created_at: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(fromDoc);
  }

  /** The sellers of a tenant with at least one order in `status` (tenant-wide re-evaluation of holds). */
  async sellersWithStatus(scope: TenantScope, status: OrderStatus): Promise<string[]> {
    const ids = await this.collection.distinct('seller_id', { tenant_id: scope.tenantId, status });
    return ids.map(String);
  }

  /**
   * What a stock audit needs of the orders that hold stock (a reserving status and a
   * reservation): their id, status and reservation, nothing else.
   */
  /** Which of `ids` are orders in `status` (a handful of ids at a time: the reaper's look-up). */
  async idsInStatus(scope: TenantScope, ids: string[], status: OrderStatus): Promise<string[]> {
    if (ids.length === 0) return [];
    const docs = await this.collection.find({ tenant_id: scope.tenantId, _id: { $in: ids }, status }, { projection: { _id: 1 } }).toArray();
    return docs.map((d) => d._id);
  }

  async liveReservations(scope: TenantScope): Promise<Pick<Order, 'id' | 'status' | 'reservation' | 'fulfilments'>[]> {
    // A split order some of whose parts shipped still holds the others' stock (partially_shipped).
    const docs = await this.collection
      .find({ tenant_id: scope.tenantId, status: { $in: [...RESERVING_STATUSES, 'partially_shipped'] }, reservation: { $ne: null } }, { projection: { _id: 1, status: 1, reservation: 1, fulfilments: 1 } })
      .toArray();
    return docs.map((d) => ({ id: d._id, status: d.status, reservation: d.reservation, fulfilments: d.fulfilments ?? null }));
  }

  /** Orders of a tenant in any of `statuses` (id, seller and status only): the dev WMS simulator's work list. */
  async refsInStatuses(scope: TenantScope, statuses: readonly OrderStatus[], limit: number): Promise<(Pick<Order, 'id' | 'seller_id' | 'status'> & { parts: Pick<Fulfilment, 'fulfilment_id' | 'status'>[] })[]> {
    const docs = await this.collection
      .find({ tenant_id: scope.tenantId, status: { $in: [...statuses] } }, { projection: { _id: 1, seller_id: 1, status: 1, fulfilments: 1 } })
      .limit(limit)
      .toArray();
    return docs.map((d) => ({ id: d._id, seller_id: d.seller_id, status: d.status, parts: (d.fulfilments ?? []).map((f) => ({ fulfilment_id: f.fulfilment_id, status: f.status })) }));
  }

  /**
   * Applies a change if the order is still at `current.version`. Returns the updated order,
   * or null when someone else changed it first (the caller re-reads or answers 409).
   */
  async update(scope: TenantScope, current: Order, change: OrderChange): Promise<Order | null> {
    return this.apply(scope, current, { ...change }, current.status);
  }

  /**
   * Moves the order along the transition table (core/domain/transitions.ts). One conditional
   * update on `{tenant, _id, status: from, version}` sets the status, appends the timeline entry
   * (and one for skipped stages) and the events. Throws `invalid_transition` for a move the table
   * does not allow; returns null when the order changed under us.
   */
  async transition(scope: TenantScope, current: Order, request: TransitionRequest): Promise<Order | null> {
    const plan = planTransition(current.status, request.to, request.actor, { allowSkip: request.allowSkip ?? false });
    const timeline: Omit<TimelineEntry, 'at'>[] = [];
    if (plan.skipped.length > 0) {
      timeline.push({ actor: request.actor, kind: 'stages_skipped', from: plan.from, to: plan.to, reason: `skipped ${plan.skipped.join(', ')}`, details: { skipped: plan.skipped } });
    }
    timeline.push({ actor: request.actor, kind: 'status_changed', from: plan.from, to: plan.to, reason: request.reason ?? request.holdReason ?? null });
    timeline.push(...(request.timeline ?? []));
    const holdReason = request.to === 'on_hold' ? (request.holdReason ?? current.hold_reason) : null;
    const parts = partsAfterOrderMove(current, request.to);
    return this.apply(
      scope,
      current,
      {
        set: { ...(parts ? { fulfilments: parts } : {}), ...(request.set ?? {}), hold_reason: holdReason },
        timeline,
        events: [{ type: EVENT_TYPES.orderStatusChanged, data: { from: plan.from, to: plan.to, actor: request.actor, reason: request.reason ?? holdReason ?? null, skipped: plan.skipped } }, ...(request.events ?? [])],
      },
      request.to,
    );
  }

  /**
   * Removes relayed events. When they are the whole outbox of the version that was read (the
   * usual case), one update empties it; otherwise an exact-match `$pullAll` takes just them
   * (FerretDB 1.x ignores a conditional `$pull`). The version is not bumped: relaying changes
   * nothing about the order.
   */
  async removeFromOutbox(scope: TenantScope, order: Order, events: OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    const key = { tenant_id: scope.tenantId, _id: order.id };
    if (events.length === order.outbox.length) {
      const res = await this.collection.updateOne({ ...key, version: order.version }, { $set: { outbox: [], outbox_pending: false } });
      if (res.matchedCount === 1) return;
    }
    await this.collection.updateOne(key, { $pullAll: { outbox: events } });
    await this.collection.updateOne({ ...key, outbox: { $size: 0 } }, { $set: { outbox_pending: false } });
  }

  /**
   * Notes something that happened to the order's events (an event parked or replayed) on its
   * timeline. The version is not bumped, as for removeFromOutbox: the order itself did not change.
   */
  async appendTimeline(scope: TenantScope, orderId: string, entries: Omit<TimelineEntry, 'at'>[]): Promise<void> {
    if (entries.length === 0) return;
    const at = new Date();
    await this.collection.updateOne({ tenant_id: scope.tenantId, _id: orderId }, { $push: { timeline: { $each: named(entries.map((e) => ({ ...e, at }))) } } });
  }

  /** Orders of a tenant whose outbox still holds events (the relay sweeper's work list). */
  async withPendingOutbox(scope: TenantScope, limit: number): Promise<Order[]> {
    const docs = await this.collection.find({ tenant_id: scope.tenantId, outbox_pending: true }).limit(limit).toArray();
    return docs.map(fromDoc);
  }

  // ---- SLA clocks (core/sla, issue 16) ----

  /**
   * Stores the order's derived SLA clocks if the order is still the version they were derived
   * from. The version is not bumped: the clocks are bookkeeping derived from the order, not a
   * change to it, so no editor loses a race to them. False when the order moved on (its own
   * event will derive them again).
   */
  async setSla(scope: TenantScope, current: Order, sla: Order['sla']): Promise<boolean> {
    const res = await this.collection.updateOne({ tenant_id: scope.tenantId, _id: current.id, version: current.version }, { $set: { sla: sla ?? null } });
    return res.matchedCount === 1;
  }

  /** Orders of a tenant whose SLA has something to record by `now` (the SLA sweep's work list). */
  async slaDue(scope: TenantScope, now: Date, limit: number): Promise<Order[]> {
    const docs = await this.collection.find({ tenant_id: scope.tenantId, 'sla.next_check_at': { $lte: now } }).limit(limit).toArray();
    return docs.map(fromDoc);
  }

  private async apply(scope: TenantScope, current: Order, change: OrderChange, status: OrderStatus): Promise<Order | null> {
    const now = new Date();
    const nextState: Order = { ...current, ...(change.set ?? {}), status, version: current.version + 1, updated_at: now };
    // The write is conditional on the version read, so numbering from the read cannot repeat a sequence.
    const seq = current.event_seq ?? 0;
    const events = (change.events ?? []).map((e, i) => ({ ...newEvent(e, nextState, now), sequence: seq + i + 1 }));
    const timeline = named((change.timeline ?? []).map((t) => ({ ...t, at: now })));
    const filter: Filter<OrderDoc> = { tenant_id: scope.tenantId, _id: current.id, status: current.status, version: current.version };
    const $set: Record<string, unknown> = { ...(change.set ?? {}), status, updated_at: now };
    if (events.length > 0) Object.assign($set, { outbox_pending: true, event_seq: seq + events.length });
    if (change.set?.customer || change.set?.order_id) $set.search = searchTerms(nextState);
    const update: UpdateFilter<OrderDoc> = { $set, $inc: { version: 1 } };
    const push: Record<string, unknown> = {};
    if (timeline.length > 0) push.timeline = { $each: timeline };
    if (events.length > 0) push.outbox = { $each: events };
    if (Object.keys(push).length > 0) update.$push = push as UpdateFilter<OrderDoc>['$push'];
    const doc = await this.collection.findOneAndUpdate(filter, update, { returnDocument: 'after' });
    return doc ? fromDoc(doc) : null;
  }
}

/** Entries an internal-API call writes as `internal` name the calling service (core/platform/call-context). */
function named(entries: TimelineEntry[]): TimelineEntry[] {
  const actorName = currentActorName();
  if (!actorName) return entries;
  return entries.map((e) => (e.actor === 'internal' && !e.actor_name ? { ...e, actor_name: actorName } : e));
}

function newEvent(spec: EventSpec, order: Order, at = new Date()): OutboxEvent {
  return {
    event_id: randomUUID(),
    type: spec.type,
    occurred_at: at,
    payload: { order: orderEventState(order), ...(spec.data ?? {}) },
  };
}

export function channelKey(order: Pick<Order, 'sales_channel' | 'order_id'>): string {
  return order.sales_channel ? `${order.sales_channel.name}:${order.sales_channel.order_id}` : `direct:${order.order_id}`;
}

function searchTerms(order: Order): string[] {
  const terms = new Set<string>();
  const add = (value: string | null | undefined) => {
    if (!value) return;
    const v = value.toLowerCase().trim();
    terms.add(v);
    for (const word of v.split(/[\s,]+/)) if (word) terms.add(word);
  };
  add(order.order_id);
  add(order.customer.name);
  add(order.customer.email);
  add(order.customer.phone);
  if (order.customer.phone) terms.add(order.customer.phone.replace(/[^\d]/g, ''));
  return [...terms];
}

function listQuery(scope: SellerScope, filter: ListFilter): Filter<OrderDoc> {
  const query: Filter<OrderDoc> = { tenant_id: scope.tenantId, seller_id: scope.sellerId };
  if (filter.status) query.status = filter.status;
  if (filter.hub_code) query.hub_code = filter.hub_code;
  if (filter.sales_channel) query['sales_channel.name'] = filter.sales_channel;
  if (filter.created_from || filter.created_to) {
    query.created_at = { ...(filter.created_from ? { $gte: filter.created_from } : {}), ...(filter.created_to ? { $lte: filter.created_to } : {}) };
  }
  if (filter.q) query.search = filter.q.toLowerCase().trim();
  return query;
}

function toDoc(order: Order): OrderDoc {
  const { id, ...rest } = order;
  return { _id: id, ...rest, channel_key: channelKey(order), search: searchTerms(order), outbox_pending: order.outbox.length > 0 };
}

export function fromDoc(doc: OrderDoc): Order {
  const { _id, channel_key: _ck, search: _s, outbox_pending: _op, ...rest } = doc;
  return { id: _id, ...rest };
}
