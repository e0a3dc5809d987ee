import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db } from 'mongodb';
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
  /** Upserts waiting for this turn's write (see record). */
  private readonly pending: { op: AnyBulkWriteOperation<NotificationDoc>; resolve: () => void; reject: (err: unknown) => void }[] = [];

  constructor(db: Db) {
    this.collection = db.collection('notifications');
  }

  /**
   * The outcome of an attempt, one upsert by `{event_id}:{channel}` (a retry overwrites a failure).
   * Outcomes recorded in the same turn of the event loop (an event's e-mail and SMS, the
   * notifications of events handled side by side) go in one `update` command of several
   * statements; each caller hears about its own statement only.
   */
  record(scope: TenantScope, record: NotificationRecord): Promise<void> {
    const { id, created_at, attempts: _attempts, ...rest } = record;
    const op: AnyBulkWriteOperation<NotificationDoc> = {
      updateOne: { filter: { tenant_id: scope.tenantId, _id: id }, update: { $set: { ...rest, tenant_id: scope.tenantId }, $setOnInsert: { created_at }, $inc: { attempts: 1 } }, upsert: true },
    };
    return new Promise((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    try {
      await this.collection.bulkWrite(
        batch.map((b) => b.op),
        { ordered: false },
      );
      for (const b of batch) b.resolve();
    } catch (err) {
      const failed = new Map<number, unknown>();
      if (err instanceof MongoBulkWriteError) for (const e of [err.writeErrors].flat()) failed.set(e.index, new Error(e.errmsg ?? 'write failed'));
      // Without statement errors the whole command failed (connection, server): every caller hears it.
      batch.forEach((b, i) => (failed.size === 0 ? b.reject(err) : failed.has(i) ? b.reject(failed.get(i)) : b.resolve()));
    }
  }

  async listForOrder(scope: TenantScope, orderId: string): Promise<NotificationRecord[]> {
    const docs = await this.collection.find({ tenant_id: scope.tenantId, order_id: orderId }).sort({ created_at: 1 }).toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }
}
