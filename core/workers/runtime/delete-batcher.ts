import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

interface PendingDelete {
  receiptHandle: string;
  done: (err: Error | null) => void;
}

/**
 * Deletes handled messages in batches of up to ten (DeleteMessageBatch): deletes asked for within
 * `lingerMs` of each other, or ten at once, share one call. A handler's latency grows by at most
 * `lingerMs`; the number of SQS calls per message drops by up to ten times under load.
 */
export class DeleteBatcher {
  private pending: PendingDelete[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: () => string,
    private readonly lingerMs = 5,
  ) {}

  delete(receiptHandle: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ receiptHandle, done: (err) => (err ? reject(err) : resolve()) });
      if (this.pending.length >= 10) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending.splice(0, 10);
    if (this.pending.length > 0) this.timer = setTimeout(() => this.flush(), 0);
    if (batch.length === 0) return;
    const entries = batch.map((d, i) => ({ Id: String(i), ReceiptHandle: d.receiptHandle }));
    this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl(), Entries: entries })).then(
      (res) => {
        const failed = new Map((res.Failed ?? []).map((f) => [f.Id, f]));
        batch.forEach((d, i) => {
          const f = failed.get(String(i));
          d.done(f ? new Error(`delete failed: ${f.Code ?? ''} ${f.Message ?? ''}`.trim()) : null);
        });
      },
      (err: Error) => batch.forEach((d) => d.done(err)),
    );
  }
}
