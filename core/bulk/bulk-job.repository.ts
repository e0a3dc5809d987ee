import type { Collection, Db, Filter } from 'mongodb';
import type { SellerScope, TenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';
import { itemId, type BulkItem, type BulkItemError, type BulkItemStatus, type BulkJob } from './bulk.types.js';

type JobDoc = Omit<BulkJob, 'id'> & { _id: string };
type ItemDoc = Omit<BulkItem, 'id'> & { _id: string };

export const BULK_INDEXES: IndexPlan = {
  bulk_jobs: [{ key: { tenant_id: 1, seller_id: 1, created_at: -1 }, name: 'tenant_seller_created' }],
  bulk_job_items: [
    // The worker's "next unfinished items" query and the per-status item listing.
    { key: { tenant_id: 1, job_id: 1, status: 1, index: 1 }, name: 'tenant_job_status_index' },
    { key: { tenant_id: 1, job_id: 1, index: 1 }, name: 'tenant_job_index' },
  ],
};

const INSERT_CHUNK = 1000;
const UNFINISHED: BulkItemStatus[] = ['pending', 'running'];

export type ItemOutcome = { status: 'succeeded'; result: Record<string, unknown> } | { status: 'failed'; error: BulkItemError };

/** The only code that touches bulk_jobs and bulk_job_items. */
export class BulkJobRepository {
  private readonly jobs: Collection<JobDoc>;
  private readonly items: Collection<ItemDoc>;

  constructor(db: Db) {
    this.jobs = db.collection('bulk_jobs');
    this.items = db.collection('bulk_job_items');
  }

  /** Items first, job last: a job a worker can find always has all of its items. */
  async insert(job: BulkJob, items: BulkItem[]): Promise<void> {
    for (let i = 0; i < items.length; i += INSERT_CHUNK) {
      await this.items.insertMany(items.slice(i, i + INSERT_CHUNK).map(({ id, ...rest }) => ({ _id: id, ...rest })), { ordered: false });
    }
    const { id, ...rest } = job;
    await this.jobs.insertOne({ _id: id, ...rest });
  }

  async remove(scope: TenantScope, jobId: string): Promise<void> {
    await this.jobs.deleteOne({ tenant_id: scope.tenantId, _id: jobId });
    await this.items.deleteMany({ tenant_id: scope.tenantId, job_id: jobId });
  }

  async find(scope: SellerScope, jobId: string): Promise<BulkJob | null> {
    return toJob(await this.jobs.findOne({ tenant_id: scope.tenantId, seller_id: scope.sellerId, _id: jobId }));
  }

  async findInTenant(scope: TenantScope, jobId: string): Promise<BulkJob | null> {
    return toJob(await this.jobs.findOne({ tenant_id: scope.tenantId, _id: jobId }));
  }

  /** Takes (or renews) the job for `owner` unless another live worker holds it. */
  async acquire(scope: TenantScope, jobId: string, owner: string, until: Date): Promise<BulkJob | null> {
    const now = new Date();
    const doc = await this.jobs.findOneAndUpdate(
      {
        tenant_id: scope.tenantId,
        _id: jobId,
        status: { $in: ['queued', 'running'] },
        $or: [{ lease_until: null }, { lease_until: { $lt: now } }, { lease_owner: owner }],
      },
      { $set: { status: 'running', lease_owner: owner, lease_until: until, updated_at: now } },
      { returnDocument: 'after' },
    );
    if (doc && doc.started_at === null) {
      await this.jobs.updateOne({ tenant_id: scope.tenantId, _id: jobId, started_at: null }, { $set: { started_at: now } });
      doc.started_at = now;
    }
    return toJob(doc);
  }

  async release(scope: TenantScope, jobId: string, owner: string): Promise<void> {
    await this.jobs.updateOne({ tenant_id: scope.tenantId, _id: jobId, lease_owner: owner }, { $set: { lease_owner: null, lease_until: null } });
  }

  /**
   * The unfinished items among positions [from, from + limit), marked running with one more
   * attempt. Items are read one by one by `_id` ({job}:{index}): FerretDB 1.x serves only
   * `_id` equality without a scan, and a job's items are addressed by position anyway. Items a
   * crashed worker left running are in the window again (the cursor only moves after a batch).
   */
  async claimBatch(scope: TenantScope, job: BulkJob, from: number, limit: number): Promise<BulkItem[]> {
    const unfinished = (await this.itemsAt(scope, job, from, limit)).filter((d) => UNFINISHED.includes(d.status));
    await Promise.all(
      unfinished.map((d) => this.items.updateOne({ tenant_id: scope.tenantId, _id: d._id }, { $set: { status: 'running' }, $inc: { attempts: 1 } })),
    );
    return unfinished.map((d) => toItem({ ...d, status: 'running', attempts: d.attempts + 1 }));
  }

  /** The checkpoint: one item's outcome, written once. False when it was already recorded. */
  async record(scope: TenantScope, item: BulkItem, outcome: ItemOutcome): Promise<boolean> {
    const set = outcome.status === 'succeeded' ? { status: outcome.status, result: outcome.result, error: null } : { status: outcome.status, result: null, error: outcome.error };
    const res = await this.items.updateOne({ tenant_id: scope.tenantId, _id: item.id, status: 'running' }, { $set: { ...set, finished_at: new Date() } });
    return res.modifiedCount === 1;
  }

  /** Adds a batch's outcomes to the job's counters, moves its cursor and renews the lease; null when the lease was lost. */
  async addProgress(scope: TenantScope, jobId: string, owner: string, counts: { succeeded: number; failed: number }, cursor: number, until: Date): Promise<BulkJob | null> {
    const doc = await this.jobs.findOneAndUpdate(
      { tenant_id: scope.tenantId, _id: jobId, lease_owner: owner },
      { $inc: { succeeded: counts.succeeded, failed: counts.failed }, $set: { cursor, lease_until: until, updated_at: new Date() } },
      { returnDocument: 'after' },
    );
    return toJob(doc);
  }

  /** Counters as the items say: the truth after a crash between an item write and the counter update. */
  async countOutcomes(scope: TenantScope, jobId: string): Promise<{ succeeded: number; failed: number }> {
    const rows = await this.items
      .aggregate<{ _id: BulkItemStatus; n: number }>([
        { $match: { tenant_id: scope.tenantId, job_id: jobId, status: { $in: ['succeeded', 'failed'] } } },
        { $group: { _id: '$status', n: { $sum: 1 } } },
      ])
      .toArray();
    const count = (s: BulkItemStatus) => rows.find((r) => r._id === s)?.n ?? 0;
    return { succeeded: count('succeeded'), failed: count('failed') };
  }

  async setCounts(scope: TenantScope, jobId: string, owner: string, counts: { succeeded: number; failed: number }): Promise<BulkJob | null> {
    const doc = await this.jobs.findOneAndUpdate(
      { tenant_id: scope.tenantId, _id: jobId, lease_owner: owner },
      { $set: { ...counts, updated_at: new Date() } },
      { returnDocument: 'after' },
    );
    return toJob(doc);
  }

  async complete(scope: TenantScope, jobId: string, owner: string, counts: { succeeded: number; failed: number }): Promise<BulkJob | null> {
    const now = new Date();
    const doc = await this.jobs.findOneAndUpdate(
      { tenant_id: scope.tenantId, _id: jobId, lease_owner: owner },
      { $set: { ...counts, status: 'completed', finished_at: now, updated_at: now, lease_owner: null, lease_until: null } },
      { returnDocument: 'after' },
    );
    return toJob(doc);
  }

  /**
   * A page of a job's items. Without a status filter the page is addressed by position (point
   * reads by `_id`); with one, the job's items are filtered (a scan, on demand only).
   */
  async listItems(scope: TenantScope, job: BulkJob, filter: { status?: 'pending' | 'succeeded' | 'failed' }, page: number, perPage: number): Promise<{ items: BulkItem[]; total: number }> {
    if (!filter.status) return { items: (await this.itemsAt(scope, job, (page - 1) * perPage, perPage)).map(toItem), total: job.total };
    const query: Filter<ItemDoc> = { tenant_id: scope.tenantId, job_id: job.id, status: filter.status === 'pending' ? { $in: UNFINISHED } : filter.status };
    const [docs, total] = await Promise.all([
      this.items.find(query).sort({ index: 1 }).skip((page - 1) * perPage).limit(perPage).toArray(),
      this.items.countDocuments(query),
    ]);
    return { items: docs.map(toItem), total };
  }

  /** The items at positions [from, from + count) of the job, each read by its `_id` ({job}:{index}). */
  private async itemsAt(scope: TenantScope, job: BulkJob, from: number, count: number): Promise<ItemDoc[]> {
    const indexes = Array.from({ length: Math.max(0, Math.min(count, job.total - from)) }, (_, k) => from + k);
    const docs = await Promise.all(indexes.map((index) => this.items.findOne({ tenant_id: scope.tenantId, _id: itemId(job.id, index) })));
    return docs.filter((d): d is ItemDoc => d !== null);
  }

  /** Test and operator aid: every item of a job, in index order. */
  async allItems(scope: TenantScope, jobId: string): Promise<BulkItem[]> {
    const docs = await this.items.find({ tenant_id: scope.tenantId, job_id: jobId }).sort({ index: 1 }).toArray();
    return docs.map(toItem);
  }
}

function toJob(doc: JobDoc | null): BulkJob | null {
  if (!doc) return null;
  const { _id, ...rest } = doc;
  return { id: _id, ...rest, cursor: rest.cursor ?? 0 };
}

function toItem(doc: ItemDoc): BulkItem {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}
