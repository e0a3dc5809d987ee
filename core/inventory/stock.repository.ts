import type { Collection, Db, Filter, UpdateFilter } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';
import type { Hold, StockRow } from './stock.types.js';

type StockDoc = StockRow & { _id?: unknown };

export const STOCK_INDEXES: IndexPlan = {
  stock: [
    { key: { tenant_id: 1, hub_code: 1, sku: 1 }, name: 'tenant_hub_sku', unique: true },
    { key: { tenant_id: 1, sku: 1, hub_code: 1 }, name: 'tenant_sku_hub' },
    { key: { tenant_id: 1, hold_order_ids: 1 }, name: 'tenant_hold_orders', array: true },
  ],
};

export type ReserveOutcome = { kind: 'reserved'; row: StockRow } | { kind: 'held'; hold: Hold } | { kind: 'short'; available: number };
export type AdjustOutcome = { kind: 'applied'; row: StockRow } | { kind: 'duplicate' } | { kind: 'short'; available: number } | { kind: 'missing' };

/** A hold found by order: where it is and the exact subdocument (needed to pull it). */
export interface FoundHold {
  hub_code: string;
  sku: string;
  hold: Hold;
}

/**
 * The only code that touches stock rows. Every change is one conditional update on one row that
 * moves the counters and the holds together, so no interleaving of writers can oversell
 * (`available >= q` is in the filter) or count a hold twice (`hold_order_ids != order` is too).
 *
 * `hold_order_ids` mirrors the order ids of `holds` and is written with them. It exists because
 * FerretDB 1.x evaluates `{'holds.order_id': {$ne: x}}` wrongly (a row holding x for one order
 * and y for another matches), which let a second hold for the same order through; `$ne` on an
 * array of strings it evaluates correctly, as MongoDB does.
 */
export class StockRepository {
  private readonly rows: Collection<StockDoc>;

  /**
   * @param keepAppliedKeys how many of its latest keyed adjustments a row remembers: a redelivered
   * message (or retried restock) is recognised within that window. Without a bound the row would
   * grow forever (and FerretDB rewrites the whole row on every reservation).
   */
  constructor(
    db: Db,
    private readonly keepAppliedKeys = 1000,
  ) {
    this.rows = db.collection('stock');
  }

  async find(scope: TenantScope, hubCode: string, sku: string): Promise<StockRow | null> {
    const doc = await this.rows.findOne(key(scope, hubCode, sku));
    return doc ? toRow(doc) : null;
  }

  async list(scope: TenantScope, filter: { hub_code?: string; sku?: string }): Promise<StockRow[]> {
    const query: Filter<StockDoc> = { tenant_id: scope.tenantId };
    if (filter.hub_code) query.hub_code = filter.hub_code;
    if (filter.sku) query.sku = filter.sku;
    const docs = await this.rows.find(query).sort({ hub_code: 1, sku: 1 }).toArray();
    return docs.map(toRow);
  }

  async listBySkus(scope: TenantScope, skus: string[]): Promise<StockRow[]> {
    const docs = await this.rows.find({ tenant_id: scope.tenantId, sku: { $in: skus } }).toArray();
    return docs.map(toRow);
  }

  /**
   * What routing reads of stock, in one query: the rows of `skus` at every hub, and every hold
   * `orderId` has (on those rows or on rows of SKUs the order no longer has, after an edit).
   */
  async routingView(scope: TenantScope, skus: string[], orderId: string): Promise<{ rows: StockRow[]; holds: FoundHold[] }> {
    const docs = await this.rows.find({ tenant_id: scope.tenantId, $or: [{ sku: { $in: skus } }, { hold_order_ids: orderId }] }).toArray();
    const wanted = new Set(skus);
    return { rows: docs.filter((d) => wanted.has(d.sku)).map(toRow), holds: holdsIn(docs, orderId) };
  }

  /** Every hold `orderId` has, at any hub (the truth, whatever the order document says). */
  /** The orders holding stock anywhere in the tenant (rows with something reserved). */
  async holderIds(scope: TenantScope): Promise<string[]> {
    const docs = await this.rows.find({ tenant_id: scope.tenantId, reserved: { $gt: 0 } }, { projection: { hold_order_ids: 1 } }).toArray();
    return [...new Set(docs.flatMap((d) => d.hold_order_ids ?? []))];
  }

  async holdsOf(scope: TenantScope, orderId: string): Promise<FoundHold[]> {
    const docs = await this.rows.find({ tenant_id: scope.tenantId, hold_order_ids: orderId }).toArray();
    return holdsIn(docs, orderId);
  }

  async reserve(scope: TenantScope, hubCode: string, sku: string, hold: Hold): Promise<ReserveOutcome> {
    const doc = await this.rows.findOneAndUpdate(
      { ...key(scope, hubCode, sku), available: { $gte: hold.quantity }, hold_order_ids: { $ne: hold.order_id } },
      { $inc: { reserved: hold.quantity, available: -hold.quantity, version: 1 }, $push: { holds: hold, hold_order_ids: hold.order_id }, $set: { updated_at: new Date() } },
      { returnDocument: 'after' },
    );
    if (doc) return { kind: 'reserved', row: toRow(doc) };
    const row = await this.find(scope, hubCode, sku);
    const existing = row?.holds.find((h) => h.order_id === hold.order_id);
    if (existing) return { kind: 'held', hold: existing };
    return { kind: 'short', available: row?.available ?? 0 };
  }

  /** Pulls exactly `hold` and gives its units back; false when it is not there (already released). */
  async release(scope: TenantScope, hubCode: string, sku: string, hold: Hold): Promise<StockRow | null> {
    return this.pullHold(scope, hubCode, sku, hold, { reserved: -hold.quantity, available: hold.quantity });
  }

  /** Shipping: the held units leave the hub (on_hand and reserved drop, available stays). */
  async consume(scope: TenantScope, hubCode: string, sku: string, hold: Hold): Promise<StockRow | null> {
    return this.pullHold(scope, hubCode, sku, hold, { reserved: -hold.quantity, on_hand: -hold.quantity });
  }

  /**
   * Adds `delta` to on_hand (and available). A decrease never takes on_hand below what is
   * reserved. With `applyKey` the change happens at most once per key (redelivered messages,
   * retried restocks), atomically with the counters. Only increases create a row.
   */
  async adjust(scope: TenantScope, hubCode: string, sku: string, delta: number, applyKey: string | null): Promise<AdjustOutcome> {
    const filter: Filter<StockDoc> = { ...key(scope, hubCode, sku) };
    if (delta < 0) filter.available = { $gte: -delta };
    if (applyKey) filter.applied = { $ne: applyKey };
    const update: UpdateFilter<StockDoc> = {
      $inc: { on_hand: delta, available: delta, version: 1 },
      $set: { updated_at: new Date() },
      ...(applyKey ? { $push: { applied: applyKey } } : {}),
    };
    if (delta > 0) update.$setOnInsert = { reserved: 0, holds: [], hold_order_ids: [] };
    try {
      const doc = await this.rows.findOneAndUpdate(filter, update, { returnDocument: 'after', upsert: delta > 0 });
      if (doc) {
        await this.trimApplied(doc);
        return { kind: 'applied', row: toRow(doc) };
      }
    } catch (err) {
      if (isDuplicateKey(err)) return { kind: 'duplicate' }; // the row exists and already has the key
      throw err;
    }
    const row = await this.find(scope, hubCode, sku);
    if (!row) return { kind: 'missing' };
    if (applyKey && row.applied.includes(applyKey)) return { kind: 'duplicate' };
    return { kind: 'short', available: row.available };
  }

  /**
   * Makes a keyed adjustment that has not happened impossible from now on: `applyKey` is marked
   * applied without moving units, together with `voidKey` so a reader can tell it apart from one
   * that did apply. True when this call voided it; false when the key was applied (or voided) first.
   */
  async voidKey(scope: TenantScope, hubCode: string, sku: string, applyKey: string, voidKey: string): Promise<boolean> {
    const res = await this.rows.updateOne(
      { ...key(scope, hubCode, sku), applied: { $ne: applyKey } },
      { $push: { applied: { $each: [applyKey, voidKey] } }, $inc: { version: 1 }, $set: { updated_at: new Date() } },
    );
    return res.modifiedCount === 1;
  }

  /**
   * Sets on_hand to `quantity` as a delta conditioned on the on_hand it read, so reservations
   * running meanwhile never conflict with it; null when on_hand moved under us (caller retries).
   */
  async setOnHand(scope: TenantScope, row: StockRow, quantity: number): Promise<StockRow | null> {
    const delta = quantity - row.on_hand;
    const doc = await this.rows.findOneAndUpdate(
      { ...key(scope, row.hub_code, row.sku), on_hand: row.on_hand, available: { $gte: Math.max(0, -delta) } },
      { $inc: { on_hand: delta, available: delta, version: 1 }, $set: { updated_at: new Date() } },
      { returnDocument: 'after' },
    );
    return doc ? toRow(doc) : null;
  }

  /** Creates a row; false when one exists already (a concurrent first write). */
  async insert(scope: TenantScope, hubCode: string, sku: string, onHand: number): Promise<boolean> {
    try {
      await this.rows.insertOne({ ...key(scope, hubCode, sku), on_hand: onHand, reserved: 0, available: onHand, holds: [], hold_order_ids: [], applied: [], version: 1, updated_at: new Date() });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Repair: counters (and the hold index) recomputed from the holds, if the row is still at the version examined. */
  async setCounters(scope: TenantScope, row: StockRow, reserved: number): Promise<boolean> {
    const res = await this.rows.updateOne(
      { ...key(scope, row.hub_code, row.sku), version: row.version },
      { $set: { reserved, available: row.on_hand - reserved, hold_order_ids: row.holds.map((h) => h.order_id), updated_at: new Date() }, $inc: { version: 1 } },
    );
    return res.modifiedCount === 1;
  }

  /** Repair only: drift injection in tests goes through here too, so nothing else writes counters. */
  async rawUpdate(scope: TenantScope, hubCode: string, sku: string, update: UpdateFilter<StockDoc>): Promise<void> {
    await this.rows.updateOne(key(scope, hubCode, sku), update);
  }

  /**
   * Forgets all but the latest `keepAppliedKeys` keys once a row holds a tenth more than that
   * (`$push` with `$slice` would do it in the update, but FerretDB 1.x ignores `$slice`). Only if
   * the row is still as read, so a key pushed meanwhile is never dropped; otherwise a later
   * adjustment trims.
   */
  private async trimApplied(doc: StockDoc): Promise<void> {
    const applied = doc.applied ?? [];
    if (applied.length <= this.keepAppliedKeys + Math.ceil(this.keepAppliedKeys / 10)) return;
    await this.rows.updateOne({ ...key({ tenantId: doc.tenant_id }, doc.hub_code, doc.sku), version: doc.version }, { $set: { applied: applied.slice(-this.keepAppliedKeys) } });
  }

  private async pullHold(scope: TenantScope, hubCode: string, sku: string, hold: Hold, inc: Record<string, number>): Promise<StockRow | null> {
    // `$all: [hold]` is FerretDB's working spelling of "the array contains exactly this subdocument".
    const doc = await this.rows.findOneAndUpdate(
      { ...key(scope, hubCode, sku), holds: { $all: [hold] } },
      { $pullAll: { holds: [hold], hold_order_ids: [hold.order_id] }, $inc: { ...inc, version: 1 }, $set: { updated_at: new Date() } },
      { returnDocument: 'after' },
    );
    return doc ? toRow(doc) : null;
  }
}

function key(scope: TenantScope, hubCode: string, sku: string): { tenant_id: string; hub_code: string; sku: string } {
  return { tenant_id: scope.tenantId, hub_code: hubCode, sku };
}

function holdsIn(docs: StockDoc[], orderId: string): FoundHold[] {
  return docs.flatMap((d) => (d.holds ?? []).filter((h) => h.order_id === orderId).map((hold) => ({ hub_code: d.hub_code, sku: d.sku, hold })));
}

function toRow(doc: StockDoc): StockRow {
  return {
    tenant_id: doc.tenant_id,
    hub_code: doc.hub_code,
    sku: doc.sku,
    on_hand: doc.on_hand,
    reserved: doc.reserved ?? 0,
    available: doc.available,
    holds: doc.holds ?? [],
    hold_order_ids: doc.hold_order_ids ?? [],
    applied: doc.applied ?? [],
    version: doc.version ?? 0,
    updated_at: doc.updated_at,
  };
}
