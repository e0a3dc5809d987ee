import { AppError, type FieldError } from '../domain/errors.js';
import type { Actor } from '../domain/order.js';
import type { SellerScope } from '../domain/tenant-scope.js';
import { newId } from '../platform/ids.js';
import type { BulkJobRepository } from './bulk-job.repository.js';
import { itemId, type BulkAction, type BulkItem, type BulkItemError, type BulkJob } from './bulk.types.js';

/** Per-item validation of an order body: the parsed body, or the fields that failed. */
export type OrderBodyValidator = (input: unknown) => { ok: true; value: unknown } | { ok: false; errors: FieldError[] };

/** Sends the job's `bulk_action` message (oms-bulk-action-queue). */
export type BulkJobQueue = (job: BulkJob) => Promise<void>;

export interface ActionJobInput {
  action: BulkAction;
  order_ids: string[];
  reason?: string | null;
  hub_code?: string | null;
}

export interface ItemPage {
  job: BulkJob;
  items: BulkItem[];
  total: number;
}

/**
 * Takes bulk requests: writes the job and one item per entry, then queues it; the answer is the
 * job, at once. Entries that can never succeed (a bad order body, a repeat of an earlier entry)
 * are recorded as failed right here, with their index and fields, and the rest still runs.
 */
export class BulkJobService {
  constructor(
    private readonly repo: BulkJobRepository,
    private readonly enqueue: BulkJobQueue,
    private readonly validateOrder: OrderBodyValidator,
    private readonly limits: { maxItems: number },
  ) {}

  async createActionJob(scope: SellerScope, actor: Actor, input: ActionJobInput): Promise<BulkJob> {
    this.assertSize(input.order_ids.length, 'order_ids');
    const firstAt = new Map<string, number>();
    const entries = input.order_ids.map((orderId, index) => {
      const earlier = firstAt.get(orderId);
      if (earlier === undefined) firstAt.set(orderId, index);
      return { input: orderId, error: earlier === undefined ? null : duplicate(`order_ids.${index}`, `order_ids.${earlier}`) };
    });
    return this.submit(scope, actor, input.action, { reason: input.reason ?? null, hub_code: input.hub_code ?? null }, 'ids', entries);
  }

  async createOrdersJob(scope: SellerScope, actor: Actor, orders: unknown[], source: BulkJob['source']): Promise<BulkJob> {
    this.assertSize(orders.length, 'orders');
    const firstAt = new Map<string, number>();
    const entries = orders.map((raw, index) => {
      const parsed = this.validateOrder(raw);
      if (!parsed.ok) {
        return { input: summary(raw), error: { code: 'validation_failed', message: `order ${index} failed validation`, details: parsed.errors } satisfies BulkItemError };
      }
      // A repeat would collide with its own earlier entry: keep the first, refuse the others.
      for (const key of uniquenessKeys(parsed.value)) {
        const earlier = firstAt.get(key);
        if (earlier !== undefined) return { input: parsed.value, error: duplicate(`orders.${index}`, `orders.${earlier}`) };
      }
      for (const key of uniquenessKeys(parsed.value)) firstAt.set(key, index);
      return { input: parsed.value, error: null };
    });
    return this.submit(scope, actor, 'create', { reason: null, hub_code: null }, source, entries);
  }

  async get(scope: SellerScope, jobId: string, filter: { status?: 'pending' | 'succeeded' | 'failed' }, page: number, perPage: number): Promise<ItemPage> {
    const job = await this.repo.find(scope, jobId);
    if (!job) throw AppError.notFound('bulk_job', jobId);
    const { items, total } = await this.repo.listItems(scope, job, filter, page, perPage);
    return { job, items, total };
  }

  /** A request that is not a list, is empty or is over the limit is refused whole, before anything is written. */
  assertSize(count: number, field: string): void {
    if (count < 1) throw AppError.validation([{ field, message: 'must hold at least one entry' }]);
    if (count > this.limits.maxItems) throw AppError.validation([{ field, message: `at most ${this.limits.maxItems} entries per job (got ${count})` }]);
  }

  private async submit(
    scope: SellerScope,
    actor: Actor,
    kind: BulkJob['kind'],
    params: BulkJob['params'],
    source: BulkJob['source'],
    entries: { input: unknown; error: BulkItemError | null }[],
  ): Promise<BulkJob> {
    const now = new Date();
    const id = newId('bjob');
    const items: BulkItem[] = entries.map((e, index) => ({
      id: itemId(id, index),
      tenant_id: scope.tenantId,
      job_id: id,
      index,
      input: e.input,
      status: e.error ? 'failed' : 'pending',
      attempts: 0,
      result: null,
      error: e.error,
      finished_at: e.error ? now : null,
    }));
    const failed = items.filter((i) => i.status === 'failed').length;
    const job: BulkJob = {
      id,
      tenant_id: scope.tenantId,
      seller_id: scope.sellerId,
      kind,
      actor,
      params,
      source,
      status: 'queued',
      total: items.length,
      cursor: 0,
      succeeded: 0,
      failed,
      lease_owner: null,
      lease_until: null,
      created_at: now,
      updated_at: now,
      started_at: null,
      finished_at: null,
    };
    await this.repo.insert(job, items);
    try {
      await this.enqueue(job);
    } catch (err) {
      // A job no worker will ever hear of is worse than none: take it back and let the client retry.
      await this.repo.remove(scope, id).catch(() => undefined);
      throw err;
    }
    return job;
  }
}

/** An invalid body is not stored as sent: it may hold keys a document cannot (dots, `$`). */
function summary(raw: unknown): { order_id: string | null } {
  const orderId = typeof raw === 'object' && raw !== null ? (raw as { order_id?: unknown }).order_id : null;
  return { order_id: typeof orderId === 'string' ? orderId : null };
}

function duplicate(field: string, earlierField: string): BulkItemError {
  return { code: 'validation_failed', message: `repeats ${earlierField}`, details: [{ field, message: `duplicate of ${earlierField}` }] };
}

/** What makes an order unique per seller (see OrderRepository): its order_id and its channel order. */
function uniquenessKeys(value: unknown): string[] {
  const v = (value ?? {}) as { order_id?: unknown; sales_channel?: { name?: unknown; order_id?: unknown } | null };
  const keys: string[] = [];
  if (typeof v.order_id === 'string') keys.push(`id:${v.order_id}`);
  if (v.sales_channel && typeof v.sales_channel.name === 'string' && v.sales_channel.order_id != null) keys.push(`ch:${v.sales_channel.name}:${String(v.sales_channel.order_id)}`);
  return keys;
}
