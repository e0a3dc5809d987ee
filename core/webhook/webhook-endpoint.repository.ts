import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';
import type { WebhookEndpoint, WebhookScope } from './webhook.types.js';

type EndpointDoc = Omit<WebhookEndpoint, 'id'> & { _id: string };

export const WEBHOOK_ENDPOINT_INDEXES: IndexPlan = {
  webhook_endpoints: [{ key: { tenant_id: 1, seller_id: 1 }, name: 'tenant_seller' }],
};

/** What may change of an endpoint through the API. */
export type EndpointChanges = Partial<Pick<WebhookEndpoint, 'url' | 'description' | 'event_types' | 'secret_sealed' | 'previous_secret_sealed' | 'previous_secret_expires_at'>>;

/** Seller webhook endpoints; a seller sees only their own (scope.sellerId), an operator the tenant's. */
export class WebhookEndpointRepository {
  private readonly collection: Collection<EndpointDoc>;

  constructor(db: Db) {
    this.collection = db.collection('webhook_endpoints');
  }

  async insert(scope: TenantScope, endpoint: WebhookEndpoint): Promise<void> {
    const { id, ...rest } = endpoint;
    await this.collection.insertOne({ ...rest, _id: id, tenant_id: scope.tenantId });
  }

  async countForSeller(scope: TenantScope, sellerId: string): Promise<number> {
    return this.collection.countDocuments({ tenant_id: scope.tenantId, seller_id: sellerId });
  }

  /** The seller's endpoints, for matching an event (few per seller: max_endpoints_per_seller). */
  async forSeller(scope: TenantScope, sellerId: string): Promise<WebhookEndpoint[]> {
    return (await this.collection.find({ tenant_id: scope.tenantId, seller_id: sellerId }).toArray()).map(fromDoc);
  }

  async list(scope: WebhookScope): Promise<WebhookEndpoint[]> {
    return (await this.collection.find(owned(scope)).sort({ created_at: 1 }).toArray()).map(fromDoc);
  }

  async find(scope: WebhookScope, id: string): Promise<WebhookEndpoint | null> {
    const doc = await this.collection.findOne({ ...owned(scope), _id: id });
    return doc ? fromDoc(doc) : null;
  }

  async update(scope: WebhookScope, id: string, changes: EndpointChanges): Promise<WebhookEndpoint | null> {
    const doc = await this.collection.findOneAndUpdate({ ...owned(scope), _id: id }, { $set: { ...changes, updated_at: new Date() } }, { returnDocument: 'after' });
    return doc ? fromDoc(doc) : null;
  }

  async remove(scope: WebhookScope, id: string): Promise<boolean> {
    return (await this.collection.deleteOne({ ...owned(scope), _id: id })).deletedCount === 1;
  }

  /** A failed attempt: one more in the endpoint's streak; answers the streak (null: not enabled any more). */
  async recordFailure(scope: TenantScope, id: string): Promise<number | null> {
    const doc = await this.collection.findOneAndUpdate({ tenant_id: scope.tenantId, _id: id, status: 'enabled' }, { $inc: { consecutive_failures: 1 } }, { returnDocument: 'after' });
    return doc ? doc.consecutive_failures : null;
  }

  /** A success ends the streak; written only when there is one, so a healthy endpoint costs no write. */
  async recordSuccess(scope: TenantScope, id: string): Promise<void> {
    await this.collection.updateOne({ tenant_id: scope.tenantId, _id: id, consecutive_failures: { $gt: 0 } }, { $set: { consecutive_failures: 0 } });
  }

  /** Disables an enabled endpoint; false when it was not enabled (someone else disabled it first). */
  async disable(scope: TenantScope, id: string, reason: string): Promise<WebhookEndpoint | null> {
    const now = new Date();
    const doc = await this.collection.findOneAndUpdate(
      { tenant_id: scope.tenantId, _id: id, status: 'enabled' },
      { $set: { status: 'disabled', disabled_reason: reason, disabled_at: now, updated_at: now } },
      { returnDocument: 'after' },
    );
    return doc ? fromDoc(doc) : null;
  }

  async enable(scope: WebhookScope, id: string): Promise<WebhookEndpoint | null> {
    const doc = await this.collection.findOneAndUpdate(
      { ...owned(scope), _id: id },
      { $set: { status: 'enabled', disabled_reason: null, disabled_at: null, consecutive_failures: 0, updated_at: new Date() } },
      { returnDocument: 'after' },
    );
    return doc ? fromDoc(doc) : null;
  }
}

function owned(scope: WebhookScope): { tenant_id: string; seller_id?: string } {
  return scope.sellerId === null ? { tenant_id: scope.tenantId } : { tenant_id: scope.tenantId, seller_id: scope.sellerId };
}

function fromDoc(doc: EndpointDoc): WebhookEndpoint {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}
