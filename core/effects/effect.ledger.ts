import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AppError } from '../domain/errors.js';

/**
 * `held`: someone's lease runs (maybe a dead holder's, until it expires); `owned`: the effect
 * failed before and its record is the retry sweeper's work (pending) or an operator's (parked).
 */
export type Claim = { kind: 'claimed'; attempt: number } | { kind: 'sent' } | { kind: 'held' } | { kind: 'owned'; status: 'pending' | 'parked' };

export type Settlement = { status: 'sent' } | { status: 'pending'; nextAttemptAt: Date; error: string } | { status: 'parked'; error: string };

/**
 * Who is performing an effect of an event, and how it ended, in DynamoDB (one item per
 * `{event_id}:{effect}`). A claim is a lease: it lasts as long as the message stays invisible
 * (the queue's visibility timeout), so a holder that dies cannot keep it past the moment its
 * message is delivered again: the redelivery (or the retry sweeper) takes it over instead of
 * being refused. A `pending` effect carries its next attempt time as its lease, so nobody retries
 * it early; `sent` and `parked` are final (parked ones are replayed on purpose, by `reopen`).
 */
export class EffectLedger {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
  ) {}

  async claim(key: string, leaseMs: number): Promise<Claim> {
    const now = Date.now();
    try {
      const res = await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: key } },
          UpdateExpression: 'SET #s = :claimed, lease_until = :lease ADD attempts :one',
          ConditionExpression: 'attribute_not_exists(pk) OR ((#s = :claimed OR #s = :pending) AND lease_until < :now)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':claimed': { S: 'claimed' },
            ':pending': { S: 'pending' },
            ':lease': { N: String(now + leaseMs) },
            ':now': { N: String(now) },
            ':one': { N: '1' },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { kind: 'claimed', attempt: Number(res.Attributes?.attempts?.N ?? 1) };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw unavailable(err);
    }
    const item = await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: key } }, ConsistentRead: true })).catch((err) => {
      throw unavailable(err);
    });
    const status = item.Item?.status?.S;
    if (status === 'sent') return { kind: 'sent' };
    if (status === 'pending' || status === 'parked') return { kind: 'owned', status };
    return { kind: 'held' };
  }

  async settle(key: string, outcome: Settlement): Promise<void> {
    const values: Record<string, { S: string } | { N: string }> = { ':s': { S: outcome.status }, ':at': { N: String(Date.now()) } };
    let update = 'SET #s = :s, settled_at = :at';
    if (outcome.status === 'pending') {
      update += ', lease_until = :next, last_error = :e';
      values[':next'] = { N: String(outcome.nextAttemptAt.getTime()) };
      values[':e'] = { S: outcome.error };
    } else if (outcome.status === 'parked') {
      update += ', last_error = :e';
      values[':e'] = { S: outcome.error };
    }
    await this.dynamo
      .send(new UpdateItemCommand({ TableName: this.table, Key: { pk: { S: key } }, UpdateExpression: update, ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: values }))
      .catch((err) => {
        throw unavailable(err);
      });
  }

  /** A parked effect made claimable again (an operator's replay); a sent one stays sent. */
  async reopen(key: string): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: key } },
          UpdateExpression: 'SET #s = :pending, lease_until = :zero',
          ConditionExpression: 'attribute_not_exists(pk) OR #s <> :sent',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': { S: 'pending' }, ':zero': { N: '0' }, ':sent': { S: 'sent' } },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw unavailable(err);
    }
  }
}

function unavailable(err: unknown): AppError {
  return AppError.unavailable('DynamoDB (effect ledger)', err);
}
