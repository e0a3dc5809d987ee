import type { FieldError } from '../domain/errors.js';
import type { Actor } from '../domain/order.js';

/** What a bulk job does to each of its items. `create` items are order bodies; the others are order ids. */
export const BULK_ACTIONS = ['approve', 'cancel', 'assign_hub'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
export type BulkKind = BulkAction | 'create';

export type BulkJobStatus = 'queued' | 'running' | 'completed';
/** `running`: picked up by a worker that may have died before writing the result (redone on resume). */
export type BulkItemStatus = 'pending' | 'running' | 'succeeded' | 'failed';

export interface BulkJob {
  id: string;
  tenant_id: string;
  seller_id: string;
  kind: BulkKind;
  /** Who asked: every item runs as this actor, as a single call from them would. */
  actor: Actor;
  /** Shared parameters: cancel reason, target hub. */
  params: { reason: string | null; hub_code: string | null };
  source: 'json' | 'csv' | 'json_file' | 'ids';
  status: BulkJobStatus;
  total: number;
  /** Items before this position are finished: where a resumed run starts. */
  cursor: number;
  succeeded: number;
  failed: number;
  /** A worker holds the job until this time; a crashed worker's lease simply runs out. */
  lease_owner: string | null;
  lease_until: Date | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface BulkItemError {
  code: string;
  message: string;
  details: Record<string, unknown> | FieldError[];
}

export interface BulkItem {
  /** `{job_id}:{index}`: one item per position, so a redo can never duplicate one. */
  id: string;
  tenant_id: string;
  job_id: string;
  index: number;
  /** The order id (actions) or the order body (create). */
  input: unknown;
  status: BulkItemStatus;
  /** Times a worker started it: above one means an earlier attempt may already have taken effect. */
  attempts: number;
  result: Record<string, unknown> | null;
  error: BulkItemError | null;
  finished_at: Date | null;
}

export function itemId(jobId: string, index: number): string {
  return `${jobId}:${index}`;
}

export function jobView(job: BulkJob): Record<string, unknown> {
  return {
    id: job.id,
    seller_id: job.seller_id,
    action: job.kind,
    source: job.source,
    reason: job.params.reason,
    hub_code: job.params.hub_code,
    status: job.status,
    total: job.total,
    done: job.succeeded + job.failed,
    succeeded: job.succeeded,
    failed: job.failed,
    created_at: job.created_at.toISOString(),
    started_at: job.started_at?.toISOString() ?? null,
    finished_at: job.finished_at?.toISOString() ?? null,
  };
}

export function itemView(item: BulkItem, kind: BulkKind): Record<string, unknown> {
  return {
    index: item.index,
    ...(kind === 'create' ? { order_id: orderIdOf(item.input) } : { order_id: item.input }),
    status: item.status === 'running' ? 'pending' : item.status,
    result: item.result,
    error: item.error,
  };
}

function orderIdOf(input: unknown): unknown {
  return typeof input === 'object' && input !== null ? ((input as Record<string, unknown>).order_id ?? null) : null;
}

/** Progress as the seller sees it, on GET and on Pusher (bulk_job.progress.v1). */
export function progressEvent(job: BulkJob): Record<string, unknown> {
  return { job_id: job.id, action: job.kind, status: job.status, total: job.total, done: job.succeeded + job.failed, succeeded: job.succeeded, failed: job.failed };
}
