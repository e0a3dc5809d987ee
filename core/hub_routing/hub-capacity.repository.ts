import type { Collection, Db } from 'mongodb';
import { AppError } from '../domain/errors.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';

/** The orders that took a slot of one hub's UTC day. `taken` is their count, kept to condition on. */
export interface HubDay {
  tenant_id: string;
  hub_code: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  taken: number;
  order_ids: string[];
}

/** One slot an order holds. */
export interface Slot {
  hub_code: string;
  day: string;
}

type HubDayDoc = HubDay & { _id: string; updated_at: Date };

// No index on order_ids: FerretDB on PostgreSQL indexes an array as one btree value, which a
// busy hub's day (a few hundred ids) outgrows (2,704 bytes), failing every write to it. Slots
// are found by document id instead: tenant, hub and day are known where they are looked for.
export const HUB_CAPACITY_INDEXES: IndexPlan = {
  hub_days: [{ key: { tenant_id: 1, day: 1 }, name: 'tenant_day' }],
};

export type TakeOutcome = 'taken' | 'held' | 'full';

/** A few first claims of a day racing to create its document; more means something else is wrong. */
const CREATE_ATTEMPTS = 3;

/**
 * The only code that touches `hub_days`: one document per tenant, hub and UTC day. A slot is
 * taken by one conditional update (`taken < capacity` and the order not yet listed), so
 * concurrent routings can never take more than the capacity nor one order two slots. The order
 * ids are a string array because FerretDB 1.x evaluates `$ne` through an array of
 * subdocuments wrongly (docs/adr/0005).
 */
export class HubCapacityRepository {
  private readonly days: Collection<HubDayDoc>;

  constructor(db: Db) {
    this.days = db.collection('hub_days');
  }

  async find(scope: TenantScope, hubCode: string, day: string): Promise<HubDay | null> {
    const doc = await this.days.findOne({ _id: dayId(scope, hubCode, day), tenant_id: scope.tenantId });
    return doc ? toHubDay(doc) : null;
  }

  /** Every hub's document of one day of the tenant (reconciliation). */
  async listDay(scope: TenantScope, day: string): Promise<HubDay[]> {
    return (await this.days.find({ tenant_id: scope.tenantId, day }).toArray()).map(toHubDay);
  }

  /** One slot of the day for `orderId`: 'held' when it has one already, 'full' when none is left. */
  async take(scope: TenantScope, hubCode: string, day: string, orderId: string, capacity: number): Promise<TakeOutcome> {
    const _id = dayId(scope, hubCode, day);
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      try {
        // The first claim of a day creates its document (upsert); a document that exists but
        // does not match (full, or listing the order) makes the upsert's insert a duplicate key.
        const doc = await this.days.findOneAndUpdate(
          { _id, tenant_id: scope.tenantId, order_ids: { $ne: orderId }, taken: { $lt: capacity } },
          { $inc: { taken: 1 }, $push: { order_ids: orderId }, $set: { updated_at: new Date() }, $setOnInsert: { hub_code: hubCode, day } },
          { upsert: true, returnDocument: 'after' },
        );
        if (doc) return 'taken';
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const current = await this.find(scope, hubCode, day);
      if (current?.order_ids.includes(orderId)) return 'held';
      if (current && current.taken >= capacity) return 'full';
    }
    throw new AppError('version_conflict', `the day of hub ${hubCode} kept changing while a slot was taken`, { hub_code: hubCode, day });
  }

  /** Gives the order's slot of that day back; false when it held none there. */
  async release(scope: TenantScope, slot: Slot, orderId: string): Promise<boolean> {
    const res = await this.days.updateOne(
      { _id: dayId(scope, slot.hub_code, slot.day), tenant_id: scope.tenantId, order_ids: orderId },
      { $pullAll: { order_ids: [orderId] }, $inc: { taken: -1 }, $set: { updated_at: new Date() } },
    );
    return res.modifiedCount === 1;
  }
}

function dayId(scope: TenantScope, hubCode: string, day: string): string {
  return `${scope.tenantId}:${hubCode}:${day}`;
}

function toHubDay(doc: HubDayDoc): HubDay {
  return { tenant_id: doc.tenant_id, hub_code: doc.hub_code, day: doc.day, taken: doc.taken, order_ids: doc.order_ids ?? [] };
}
