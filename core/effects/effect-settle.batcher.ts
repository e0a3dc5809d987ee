import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** BatchWriteItem takes at most 25 writes, and no two on one item. */
const MAX_BATCH = 25;

interface PendingPut {
  item: Record<string, AttributeValue>;
  done: (unprocessed: boolean) => void;
}

/**
 * Writes whole ledger items (events whose every effect was just sent) in batches: puts asked for
 * within `lingerMs` of each other, or 25 at once, share one BatchWriteItem. The order-updates
 * workers settle many events at once under load, so the settling writes drop from one per event
 * to a fraction of one. A put DynamoDB left unprocessed, or one whose batch failed, is reported
 * back (`false`) and the caller writes it on its own, so one failed call never fails (and makes
 * the effects of) every event that shared it run again.
 */
export class EffectSettleBatcher {
  private pending: PendingPut[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    private readonly lingerMs = 5,
  ) {}

  /** Resolves true once written, false if it was not (left unprocessed, its batch failed, or its item was already in the batch). */
  put(item: Record<string, AttributeValue>): Promise<boolean> {
    return new Promise((resolve) => {
      this.pending.push({ item, done: (unprocessed) => resolve(!unprocessed) });
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
        p.done(true);
        return false;
      }
      seen.add(pk);
      return true;
    });
    this.dynamo.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: batch.map((p) => ({ PutRequest: { Item: p.item } })) } })).then(
      (res) => {
        const left = new Set((res.UnprocessedItems?.[this.table] ?? []).map((r) => r.PutRequest?.Item?.pk?.S));
        batch.forEach((p) => p.done(left.has(p.item.pk?.S)));
      },
      // A failed batch is not 25 failed settlements: each event is settled again on its own (UpdateItem).
      () => batch.forEach((p) => p.done(true)),
    );
  }
}
