import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';
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
  template: string;
  status: 'pending' | 'sent' | 'failed';
  error: string | null;
  created_at: Date;
  sent_at: Date | null;
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

  /** False when this event already produced a notification on this channel. */
  async insertOnce(record: NotificationRecord): Promise<boolean> {
    const { id, ...rest } = record;
    try {
      await this.collection.insertOne({ _id: id, ...rest });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async markSent(scope: TenantScope, id: string): Promise<void> {
    await this.collection.updateOne({ tenant_id: scope.tenantId, _id: id }, { $set: { status: 'sent', sent_at: new Date() } });
  }

  async markFailed(scope: TenantScope, id: string, error: string): Promise<void> {
    await this.collection.updateOne({ tenant_id: scope.tenantId, _id: id }, { $set: { status: 'failed', error } });
  }

  async listForOrder(scope: TenantScope, orderId: string): Promise<NotificationRecord[]> {
    const docs = await this.collection.find({ tenant_id: scope.tenantId, order_id: orderId }).sort({ created_at: 1 }).toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }
}
