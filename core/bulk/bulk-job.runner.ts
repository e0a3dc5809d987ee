import { ZodError } from 'zod';
import { AppError, toAppError } from '../domain/errors.js';
import { EVENT_SCHEMA_VERSION, EVENT_TYPES } from '../domain/events.js';
import { zodFieldErrors } from '../domain/validation.js';
import type { SellerScope } from '../domain/tenant-scope.js';
import { newId } from '../platform/ids.js';
import type { Logger } from '../platform/logger.js';
import type { PriorityGate } from '../platform/priority-gate.js';
import type { RealtimePublisher } from '../../external-service/pusher/pusher.client.js';
import type { EventPublisher } from '../platform/event-stream.js';
import type { BulkItemExecutor } from './bulk-item.executor.js';
import { itemResult } from './bulk-item.executor.js';
import type { BulkJobRepository, ItemOutcome } from './bulk-job.repository.js';
import { progressEvent, type BulkItem, type BulkJob } from './bulk.types.js';

export interface RunnerOptions {
  batchSize: number;
  /** Items of a batch run this many at a time. */
  concurrency?: number;
  /** Shorter than the queue's visibility timeout, so a dead worker's job is free before its message returns. */
  leaseMs?: number;
  /** In-process tries of an item that failed with a retryable error. */
  itemTries?: number;
  /** Each item waits here before it starts while interactive work is in flight (ADR 0016 amendment). */
  gate?: PriorityGate;
}

/**
 * Works through one bulk job. Items are claimed in index order, a batch at a time; each runs
 * through the same use case as a single call and its outcome is written on its own item — that
 * write is the checkpoint. A worker that dies mid-batch leaves items `running`; the next run
 * redoes exactly those and the ones never started, nothing that already has an outcome.
 */
export class BulkJobRunner {
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly itemTries: number;

  constructor(
    private readonly repo: BulkJobRepository,
    private readonly executor: BulkItemExecutor,
    private readonly realtime: RealtimePublisher,
    private readonly stream: EventPublisher,
    private readonly logger: Logger,
    private readonly options: RunnerOptions,
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.itemTries = options.itemTries ?? 4;
  }

  /** Runs the job to its end; a job of another tenant or seller is not found (dead-lettered). */
  async run(scope: SellerScope, jobId: string): Promise<BulkJob> {
    const found = await this.repo.find(scope, jobId);
    if (!found) throw AppError.notFound('bulk_job', jobId);
    if (found.status === 'completed') return found;
    const owner = newId('run');
    let job = await this.repo.acquire(scope, jobId, owner, this.leaseUntil());
    if (!job) {
      const now = await this.repo.findInTenant(scope, jobId);
      if (now?.status === 'completed') return now;
      throw new AppError('conflict', `bulk job ${jobId} is being run by another worker`, { job_id: jobId }, { retryable: true });
    }
    let finished = false;
    try {
      // A run before us may have died between an item write and the counter update.
      if (found.status === 'running') job = this.held(await this.repo.setCounts(scope, jobId, owner, await this.repo.countOutcomes(scope, jobId)), jobId);
      await this.publish(job);
      // Walk the items by position from the job's cursor; it moves only after a whole batch is written.
      for (let from = job.cursor; from < job.total; from += this.options.batchSize) {
        const batch = await this.repo.claimBatch(scope, job, from, this.options.batchSize);
        const counts = batch.length > 0 ? await this.runBatch(job, scope, batch) : { succeeded: 0, failed: 0 };
        job = this.held(await this.repo.addProgress(scope, jobId, owner, counts, from + this.options.batchSize, this.leaseUntil()), jobId);
        if (batch.length > 0) await this.publish(job);
      }
      job = this.held(await this.repo.complete(scope, jobId, owner, await this.repo.countOutcomes(scope, jobId)), jobId);
      finished = true;
      await this.publish(job);
      return job;
    } finally {
      if (!finished) await this.repo.release(scope, jobId, owner).catch((err) => this.logger.warn({ err, job_id: jobId }, 'could not release bulk job lease'));
    }
  }

  /** Runs a batch `concurrency` at a time; after the first abort no new item starts, running ones finish and are written. */
  private async runBatch(job: BulkJob, scope: SellerScope, batch: BulkItem[]): Promise<{ succeeded: number; failed: number }> {
    const counts = { succeeded: 0, failed: 0 };
    let next = 0;
    let abort: unknown = null;
    const lane = async () => {
      while (abort === null && next < batch.length) {
        const item = batch[next++] as BulkItem;
        // Waiting changes nothing stored: the item stays claimed, so a crash now redoes it once.
        await this.options.gate?.admitBulk('bulk_item');
        if (abort !== null) break;
        try {
          const outcome = await this.attempt(job, scope, item);
          if (await this.repo.record(scope, item, outcome)) counts[outcome.status] += 1;
        } catch (err) {
          abort ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batch.length) }, lane));
    if (abort !== null) throw abort;
    return counts;
  }

  /**
   * One item's outcome. Unavailable dependencies and unexpected failures abort the run (the
   * message comes back later and the item is redone); an expected error (not found, invalid
   * transition, order in progress after a few tries) is the item's result.
   */
  private async attempt(job: BulkJob, scope: SellerScope, item: BulkItem): Promise<ItemOutcome> {
    for (let tryNo = 1; ; tryNo++) {
      try {
        return { status: 'succeeded', result: await this.execute(job, scope, item) };
      } catch (thrown) {
        const err = thrown instanceof ZodError ? AppError.validation(zodFieldErrors(thrown)) : toAppError(thrown);
        // Redone (an earlier run died) or retried here: the earlier try may have made the order.
        if (err.code === 'order_already_exists' && job.kind === 'create' && (item.attempts > 1 || tryNo > 1)) {
          const earlier = await this.earlierCreate(job, scope, err);
          if (earlier) return { status: 'succeeded', result: { ...earlier, redone: true } };
        }
        if (err.retryable && tryNo < this.itemTries) {
          await sleep(50 * 2 ** tryNo);
          continue;
        }
        // A store that is down or busy says nothing about the item: stop, and let the
        // redelivered message redo it.
        if (err.code === 'dependency_unavailable' || err.code === 'internal') throw err;
        return { status: 'failed', error: { code: err.code, message: err.expose ? err.message : 'internal error', details: err.expose ? err.details : {} } };
      }
    }
  }

  private execute(job: BulkJob, scope: SellerScope, item: BulkItem): Promise<Record<string, unknown>> {
    switch (job.kind) {
      case 'create':
        return this.executor.createOrder(scope, item.input, job.actor);
      case 'approve':
        return this.executor.approve(scope, String(item.input), job.actor);
      case 'cancel':
        return this.executor.cancel(scope, String(item.input), job.params.reason ?? '', job.actor);
      case 'assign_hub':
        return this.executor.assignHub(scope, String(item.input), job.params.hub_code ?? '', job.actor);
    }
  }

  /**
   * A redone create that finds its order already there: it is this item's own earlier attempt
   * (the worker died before writing the outcome) when the order was made after the job was.
   */
  private async earlierCreate(job: BulkJob, scope: SellerScope, err: AppError): Promise<Record<string, unknown> | null> {
    const id = Array.isArray(err.details) ? null : err.details.id;
    if (typeof id !== 'string') return null;
    const order = await this.executor.findOrder(scope, id);
    return order && order.created_at >= job.created_at ? itemResult(order) : null;
  }

  private held(job: BulkJob | null, jobId: string): BulkJob {
    if (!job) throw new AppError('conflict', `lost the lease on bulk job ${jobId}`, { job_id: jobId }, { retryable: true });
    return job;
  }

  private leaseUntil(): Date {
    return new Date(Date.now() + this.leaseMs);
  }

  /** Progress is also on GET: a missed Pusher event only delays the dashboard, never the job. */
  private async publish(job: BulkJob): Promise<void> {
    const data = progressEvent(job);
    // Straight to the dashboard (the topic's order-updates subscriber skips these), and on the topic for other systems.
    const [push, stream] = await Promise.allSettled([
      this.realtime.publish(job.seller_id, EVENT_TYPES.bulkJobProgress, data),
      this.stream.publish([
        {
          // Stable per step, so a redone batch that reports the same progress is dropped by consumers.
          event_id: `bulk_${job.id}_${String(data.done)}_${job.status}`,
          event: EVENT_TYPES.bulkJobProgress,
          schema_version: EVENT_SCHEMA_VERSION,
          occurred_at: new Date().toISOString(),
          tenant_id: job.tenant_id,
          seller_id: job.seller_id,
          order_id: null,
          sequence: null,
          data,
        },
      ]),
    ]);
    if (push.status === 'rejected') this.logger.warn({ err: push.reason, job_id: job.id }, 'bulk progress not pushed');
    const failure = stream.status === 'rejected' ? stream.reason : stream.value.find((r) => !r.ok);
    if (failure) this.logger.warn({ err: failure, job_id: job.id }, 'bulk progress not published on the topic');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
