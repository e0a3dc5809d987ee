import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** BatchWriteItem takes at most 25 writes, and no two on one item. */
const MAX_BATCH = 25;

interface PendingPut {
  item: Record<string, AttributeValue>;
  done: (unprocessed: boolean, err: Error | null) => void;
}

/**
 * Writes whole ledger items (events whose every effect was just sent) in batches: puts asked for
 * within `lingerMs` of each other, or 25 at once, share one BatchWriteItem. The order-updates
 * workers settle many events at once under load, so the settling writes drop from one per event
 * to a fraction of one. A put DynamoDB left unprocessed is reported back (`false`), and the caller
 * writes it on its own.
 */
export class EffectSettleBatcher {
  private pending: PendingPut[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    private readonly lingerMs = 5,
  ) {}

  /** Resolves true once written, false if DynamoDB left it unprocessed (or it shares a batch with its own item). */
  put(item: Record<string, AttributeValue>): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, done: (unprocessed, err) => (err ? reject(err) : resolve(!unprocessed)) });
      if (this.pending.length >= MAX_BATCH) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const taken = this.pending.splice(0, MAX_BATCH);
    if (this.pending.length > 0) this.timer = setTimeout(() => this.flush(), 0);
    if (taken.length === 0) return;
    const seen = new Set<string>();
    const batch = taken.filter((p) => {
      const pk = p.item.pk?.S ?? '';
      if (seen.has(pk)) {
        p.done(true, null);
        return false;
      }
      seen.add(pk);
      return true;
    });
    this.dynamo.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: batch.map((p) => ({ PutRequest: { Item: p.item } })) } })).then(
      (res) => {
        const left = new Set((res.UnprocessedItems?.[this.table] ?? []).map((r) => r.PutRequest?.Item?.pk?.S));
        batch.forEach((p) => p.done(left.has(p.item.pk?.S), null));
      },
      (err: Error) => batch.forEach((p) => p.done(false, err)),
    );
  }
}
