import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';
import { before, type DeliveryStatus, type WebhookAttempt, type WebhookDelivery } from './webhook.types.js';

type DeliveryDoc = Omit<WebhookDelivery, 'id'> & { _id: string };
type AttemptDoc = Omit<WebhookAttempt, 'id'> & { _id: string };

const ACTIVE: DeliveryStatus[] = ['pending', 'sending'];
const REPLAYABLE: DeliveryStatus[] = ['parked', 'pending'];

export const WEBHOOK_DELIVERY_INDEXES: IndexPlan = {
  webhook_deliveries: [
    { key: { tenant_id: 1, status: 1, next_attempt_at: 1 }, name: 'tenant_status_next' },
    { key: { tenant_id: 1, endpoint_id: 1, order_key: 1, status: 1 }, name: 'tenant_endpoint_order_status' },
    { key: { tenant_id: 1, endpoint_id: 1, created_at: -1 }, name: 'tenant_endpoint_created' },
  ],
  webhook_attempts: [{ key: { tenant_id: 1, endpoint_id: 1, at: -1 }, name: 'tenant_endpoint_at' }],
};

/** Deliveries (one per endpoint and event) and the attempts made for them. */
export class WebhookDeliveryRepository {
  private readonly deliveries: Collection<DeliveryDoc>;
  private readonly attempts: Collection<AttemptDoc>;

  constructor(db: Db) {
    this.deliveries = db.collection('webhook_deliveries');
    this.attempts = db.collection('webhook_attempts');
  }

  /** Records a delivery unless it is recorded already (the id derives from endpoint and event); true when new. */
  async record(scope: TenantScope, delivery: WebhookDelivery): Promise<boolean> {
    const { id, ...rest } = delivery;
    try {
      // An insert, not an upsert's $setOnInsert, which drops null fields (the event's own) on FerretDB 1.x.
      await this.deliveries.insertOne({ ...rest, _id: id, tenant_id: scope.tenantId });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  /** Deliveries whose next attempt is due, and claimed ones whose sender's lease ran out. */
  async due(scope: TenantScope, now: Date, limit: number): Promise<WebhookDelivery[]> {
    const docs = await this.deliveries
      .find({ tenant_id: scope.tenantId, status: { $in: ACTIVE }, next_attempt_at: { $lte: now } })
      .sort({ next_attempt_at: 1 })
      .limit(limit)
      .toArray();
    return docs.map(fromDoc);
  }

  async hasActive(scope: TenantScope): Promise<boolean> {
    return (await this.deliveries.findOne({ tenant_id: scope.tenantId, status: { $in: ACTIVE } }, { projection: { _id: 1 } })) !== null;
  }

  /** The earliest-due delivery of an earlier event of the same order still waiting for (or being sent to) the same endpoint. */
  async earliestBlocker(scope: TenantScope, d: WebhookDelivery): Promise<WebhookDelivery | null> {
    const docs = await this.deliveries
      .find({ tenant_id: scope.tenantId, endpoint_id: d.endpoint_id, order_key: d.order_key, status: { $in: ACTIVE }, occurred_at: { $lte: d.occurred_at } })
      .toArray();
    const earlier = docs.map(fromDoc).filter((other) => other.id !== d.id && before(other, d));
    earlier.sort((a, b) => (a.next_attempt_at?.getTime() ?? 0) - (b.next_attempt_at?.getTime() ?? 0));
    return earlier[0] ?? null;
  }

  /** A delivery waiting behind an earlier one is looked at again when that one is due (not on every pass). */
  async defer(scope: TenantScope, id: string, until: Date): Promise<void> {
    await this.deliveries.updateOne({ tenant_id: scope.tenantId, _id: id, status: 'pending' }, { $set: { next_attempt_at: until } });
  }

  /**
   * Claims a due delivery for one send: a conditional update (status and due time as read), so
   * of two dispatchers only one gets it; the claim lasts `leaseMs` (its next_attempt_at).
   */
  async claim(scope: TenantScope, id: string, now: Date, leaseMs: number): Promise<boolean> {
    const res = await this.deliveries.updateOne(
      { tenant_id: scope.tenantId, _id: id, status: { $in: ACTIVE }, next_attempt_at: { $lte: now } },
      { $set: { status: 'sending', next_attempt_at: new Date(now.getTime() + leaseMs), updated_at: now }, $inc: { attempts: 1 } },
    );
    return res.modifiedCount === 1;
  }

  async settle(scope: TenantScope, id: string, outcome: Pick<WebhookDelivery, 'status' | 'next_attempt_at' | 'last_status_code' | 'last_error'> & { delivered_at?: Date }): Promise<void> {
    await this.deliveries.updateOne({ tenant_id: scope.tenantId, _id: id, status: 'sending' }, { $set: { ...outcome, updated_at: new Date() } });
  }

  /** An endpoint was disabled: what waited for it is parked (replayable once it is enabled again). */
  async parkActive(scope: TenantScope, endpointId: string, reason: string): Promise<number> {
    const res = await this.deliveries.updateMany(
      { tenant_id: scope.tenantId, endpoint_id: endpointId, status: { $in: ACTIVE } },
      { $set: { status: 'parked', next_attempt_at: null, last_error: reason, updated_at: new Date() } },
    );
    return res.modifiedCount;
  }

  async list(scope: TenantScope, endpointId: string, filter: { status?: DeliveryStatus; order_id?: string }, limit: number): Promise<WebhookDelivery[]> {
    const docs = await this.deliveries
      .find({ tenant_id: scope.tenantId, endpoint_id: endpointId, ...(filter.status ? { status: filter.status } : {}), ...(filter.order_id ? { order_id: filter.order_id } : {}) })
      .sort({ created_at: -1 })
      .limit(limit)
      .toArray();
    return docs.map(fromDoc);
  }

  async find(scope: TenantScope, endpointId: string, id: string): Promise<WebhookDelivery | null> {
    const doc = await this.deliveries.findOne({ tenant_id: scope.tenantId, endpoint_id: endpointId, _id: id });
    return doc ? fromDoc(doc) : null;
  }

  /** A parked or failed (pending) delivery is due now again, with a fresh set of attempts and retry window. */
  async replayOne(scope: TenantScope, endpointId: string, id: string, now: Date): Promise<boolean> {
    const res = await this.deliveries.updateOne({ tenant_id: scope.tenantId, endpoint_id: endpointId, _id: id, status: { $in: REPLAYABLE } }, { $set: replayed(now) });
    return res.matchedCount === 1;
  }

  /** Every parked or failed delivery of an endpoint whose event occurred in [since, until). */
  async replayRange(scope: TenantScope, endpointId: string, since: Date, until: Date, now: Date): Promise<number> {
    const res = await this.deliveries.updateMany(
      { tenant_id: scope.tenantId, endpoint_id: endpointId, status: { $in: REPLAYABLE }, occurred_at: { $gte: since, $lt: until } },
      { $set: replayed(now) },
    );
    return res.modifiedCount;
  }

  async removeForEndpoint(scope: TenantScope, endpointId: string): Promise<void> {
    await this.deliveries.deleteMany({ tenant_id: scope.tenantId, endpoint_id: endpointId });
    await this.attempts.deleteMany({ tenant_id: scope.tenantId, endpoint_id: endpointId });
  }

  async addAttempt(scope: TenantScope, attempt: WebhookAttempt): Promise<void> {
    const { id, ...rest } = attempt;
    await this.attempts.insertOne({ ...rest, _id: id, tenant_id: scope.tenantId });
  }

  async listAttempts(scope: TenantScope, endpointId: string, filter: { delivery_id?: string }, limit: number): Promise<WebhookAttempt[]> {
    const docs = await this.attempts
      .find({ tenant_id: scope.tenantId, endpoint_id: endpointId, ...(filter.delivery_id ? { delivery_id: filter.delivery_id } : {}) })
      .sort({ at: -1 })
      .limit(limit)
      .toArray();
    return docs.map((doc) => {
      const { _id, ...rest } = doc;
      return { id: _id, ...rest };
    });
  }
}

function replayed(now: Date) {
  return { status: 'pending' as const, attempts: 0, next_attempt_at: now, window_started_at: now, updated_at: now };
}

function fromDoc(doc: DeliveryDoc): WebhookDelivery {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}
