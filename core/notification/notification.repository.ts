import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';
import type { NotificationChannelName } from './notification.adapters.js';

export interface NotificationRecord {
  id: string;
  tenant_id: string;
  seller_id: string;
  order_id: string;
  event_id: string;
  stage: string;
  channel: NotificationChannelName;
  recipient: string;
  /** Whose wording was used: the built-in default or the tenant's override. */
  template: 'default' | 'tenant';
  /** E-mail subject or push title as sent; null for SMS. */
  subject: string | null;
  status: 'sent' | 'failed';
  error: string | null;
  created_at: Date;
  sent_at: Date | null;
  /** Attempts so far (failed ones included), counted by the upserts. */
  attempts?: number;
}

type NotificationDoc = Omit<NotificationRecord, 'id'> & { _id: string };

export const NOTIFICATION_INDEXES: IndexPlan = {
  notifications: [{ key: { tenant_id: 1, order_id: 1, created_at: 1 }, name: 'tenant_order_created' }],
};

/** Customer notifications sent (or attempted), one per event and channel: `_id` dedupes redeliveries. */
export class NotificationRepository {
  private readonly collection: Collection<NotificationDoc>;

  constructor(db: Db) {
    this.collection = db.collection('notifications');
  }

  /** The outcome of an attempt, one upsert by `{event_id}:{channel}` (a retry overwrites a failure). */
  async record(scope: TenantScope, record: NotificationRecord): Promise<void> {
    const { id, created_at, attempts: _attempts, ...rest } = record;
    await this.collection.updateOne(
      { tenant_id: scope.tenantId, _id: id },
      { $set: { ...rest, tenant_id: scope.tenantId }, $setOnInsert: { created_at }, $inc: { attempts: 1 } },
      { upsert: true },
    );
  }

  async listForOrder(scope: TenantScope, orderId: string): Promise<NotificationRecord[]> {
    const docs = await this.collection.find({ tenant_id: scope.tenantId, order_id: orderId }).sort({ created_at: 1 }).toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }
}
