/** Attributes the listener adds when it dead-letters a message (core/workers/runtime/listener.ts). */
export const DLQ_ATTRIBUTES = ['error_code', 'error_message', 'error_details', 'source_queue', 'receive_count', 'dead_lettered_at'];

export interface QueueDepths {
  queue: string;
  dlq: string;
  visible: number;
  in_flight: number;
  delayed: number;
  dlq_depth: number;
}

export interface DeadLetter {
  message_id: string;
  /** The listener's error code, or `max_receives_exceeded` when SQS's redrive policy moved it. */
  error_code: string;
  error_message: string;
  error_details: unknown;
  source_queue: string | null;
  receive_count: number | null;
  dead_lettered_at: string;
  attributes: Record<string, string>;
  /** Only in `show`: the decoded body (or the raw one when it cannot be decoded). */
  body?: unknown;
}

export interface RedriveRequest {
  all?: boolean;
  messageIds?: string[];
  dryRun?: boolean;
}

export interface RedriveReport {
  queue: string;
  dlq: string;
  dry_run: boolean;
  /** Sent back and deleted from the DLQ (with dry_run: would be). */
  redriven: string[];
  failed: { message_id: string; error: string }[];
  /** Asked for by id but not in the DLQ. */
  not_found: string[];
}

/** The failure a DLQ message carries; messages SQS moved itself carry none of ours. */
export function failureOf(attrs: Record<string, string>): Pick<DeadLetter, 'error_code' | 'error_message' | 'error_details' | 'source_queue' | 'receive_count'> {
  let details: unknown = null;
  if (attrs.error_details) {
    try {
      details = JSON.parse(attrs.error_details);
    } catch {
      details = attrs.error_details;
    }
  }
  return {
    error_code: attrs.error_code ?? 'max_receives_exceeded',
    error_message: attrs.error_message ?? 'failed on every delivery until the redrive policy moved it (retryable failures)',
    error_details: details,
    source_queue: attrs.source_queue ?? null,
    receive_count: attrs.receive_count ? Number(attrs.receive_count) : null,
  };
}
