import type { Collection, Db } from 'mongodb';
import type { OutboundEvent } from '../domain/events.js';
import type { OutboxEvent } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';

/** failing: refused for good at least once, still in the outbox; parked: taken out after the limit; replayed: sent by an operator's replay. */
export type ParkedEventStatus = 'failing' | 'parked' | 'replayed';

export interface ParkedEvent {
  /** The event id. */
  id: string;
  tenant_id: string;
  seller_id: string;
  order_id: string;
  event: string;
  sequence: number | null;
  status: ParkedEventStatus;
  attempts: number;
  reason: string;
  /** What was (to be) published, and the outbox entry (a replay runs its follow-ups again). */
  envelope: OutboundEvent;
  outbox_event: OutboxEvent;
  first_failed_at: Date;
  parked_at: Date | null;
  replayed_at: Date | null;
  updated_at: Date;
}

type ParkedEventDoc = Omit<ParkedEvent, 'id'> & { _id: string };

export const PARKED_EVENT_INDEXES: IndexPlan = {
  parked_events: [{ key: { tenant_id: 1, status: 1, updated_at: -1 }, name: 'tenant_status_updated' }],
};

/**
 * Outgoing events the topic refused for good (or whose follow-up failed for good): counted per
 * event until the limit, then parked here out of the order's outbox so the order's later events
 * are not held behind them. Operators list and replay them (internal API).
 */
export class ParkedEventRepository {
  private readonly collection: Collection<ParkedEventDoc>;

  constructor(db: Db) {
    this.collection = db.collection('parked_events');
  }

  /** Counts one more permanent refusal of the event (one upsert); answers the record after it. */
  async recordFailure(scope: TenantScope, envelope: OutboundEvent, outboxEvent: OutboxEvent, reason: string): Promise<ParkedEvent> {
    const now = new Date();
    const doc = await this.collection.findOneAndUpdate(
      { tenant_id: scope.tenantId, _id: envelope.event_id },
      {
        $inc: { attempts: 1 },
        $set: { reason, updated_at: now },
        $setOnInsert: {
          tenant_id: scope.tenantId,
          seller_id: envelope.seller_id,
          order_id: envelope.order_id ?? '',
          event: envelope.event,
          sequence: envelope.sequence ?? null,
          status: 'failing',
          envelope,
          outbox_event: outboxEvent,
          first_failed_at: now,
          parked_at: null,
          replayed_at: null,
        },
      },
      { upsert: true, returnDocument: 'after' },
    );
    return fromDoc(doc as ParkedEventDoc);
  }

  async markParked(scope: TenantScope, id: string): Promise<void> {
    const now = new Date();
    await this.collection.updateOne({ tenant_id: scope.tenantId, _id: id }, { $set: { status: 'parked', parked_at: now, updated_at: now } });
  }

  /** A replay's outcome: sent (replayed), or one more refusal (stays parked). */
  async markReplayed(scope: TenantScope, id: string): Promise<ParkedEvent | null> {
    const now = new Date();
    const doc = await this.collection.findOneAndUpdate({ tenant_id: scope.tenantId, _id: id, status: 'parked' }, { $set: { status: 'replayed', replayed_at: now, updated_at: now } }, { returnDocument: 'after' });
    return doc ? fromDoc(doc) : null;
  }

  async replayFailed(scope: TenantScope, id: string, reason: string): Promise<ParkedEvent | null> {
    const doc = await this.collection.findOneAndUpdate({ tenant_id: scope.tenantId, _id: id }, { $inc: { attempts: 1 }, $set: { reason, updated_at: new Date() } }, { returnDocument: 'after' });
    return doc ? fromDoc(doc) : null;
  }

  /** A failing event that went out after all (the refusal was not permanent after all): forget it. */
  async forget(scope: TenantScope, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.collection.deleteMany({ tenant_id: scope.tenantId, _id: { $in: ids }, status: 'failing' });
  }

  async find(scope: TenantScope, id: string): Promise<ParkedEvent | null> {
    const doc = await this.collection.findOne({ tenant_id: scope.tenantId, _id: id });
    return doc ? fromDoc(doc) : null;
  }

  async list(scope: TenantScope, filter: { status?: ParkedEventStatus; order_id?: string }, limit: number): Promise<ParkedEvent[]> {
    const query: Record<string, unknown> = { tenant_id: scope.tenantId };
    if (filter.status) query.status = filter.status;
    if (filter.order_id) query.order_id = filter.order_id;
    const docs = await this.collection.find(query).sort({ updated_at: -1, _id: 1 }).limit(limit).toArray();
    return docs.map(fromDoc);
  }

  /** Stores a record as is (tests and data repair). */
  async insert(scope: TenantScope, record: ParkedEvent): Promise<void> {
    const { id, ...rest } = record;
    await this.collection.insertOne({ _id: id, ...rest, tenant_id: scope.tenantId });
  }
}

function fromDoc(doc: ParkedEventDoc): ParkedEvent {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}
