import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  ResourceInUseException,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TABLES } from '../../localstack/resources.js';
import { AppError } from '../domain/errors.js';

/** Creates the OMS tables (on demand billing) and waits until they are active; idempotent. */
export async function ensureTables(dynamo: DynamoDBClient, prefix: string): Promise<void> {
  for (const def of Object.values(TABLES)) {
    const TableName = `${prefix}${def.name}`;
    try {
      await dynamo.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: def.hashKey, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: def.hashKey, KeyType: 'HASH' }],
        }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    for (let i = 0; i < 100; i++) {
      const res = await dynamo.send(new DescribeTableCommand({ TableName }));
      if (res.Table?.TableStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function wrap(err: unknown): never {
  if (err instanceof AppError) throw err;
  throw AppError.unavailable('DynamoDB', err);
}

/**
 * Per-tenant counters (order numbers). An atomic ADD: never a duplicate; a number whose order
 * then failed to be written is skipped, which is fine for order numbers. Invoice numbers, which
 * must have no gaps, use `claim` below.
 */
export class Sequences {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
  ) {}

  async next(tenantId: string, name: string): Promise<number> {
    try {
      const res = await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: `seq#${tenantId}#${name}` } },
          UpdateExpression: 'ADD #v :one',
          ExpressionAttributeNames: { '#v': 'value' },
          ExpressionAttributeValues: { ':one': { N: '1' } },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(res.Attributes?.value?.N);
    } catch (err) {
      return wrap(err);
    }
  }

  /**
   * A gapless, duplicate-free number for `owner` (an order id): slot N is claimed by a conditional
   * put of `slot#N -> owner`, probing forward from a high-water hint. A retry by the same owner
   * finds its own slot again, so a crash after claiming leaves no gap and no second number.
   */
  async claim(tenantId: string, name: string, owner: string): Promise<number> {
    const base = `seq#${tenantId}#${name}`;
    try {
      const mine = await this.dynamo.send(
        new GetItemCommand({ TableName: this.table, Key: { pk: { S: `${base}#owner#${owner}` } }, ConsistentRead: true }),
      );
      if (mine.Item?.value?.N) return Number(mine.Item.value.N);
      const hint = await this.dynamo.send(
        new GetItemCommand({ TableName: this.table, Key: { pk: { S: `${base}#hwm` } }, ConsistentRead: true }),
      );
      let n = Number(hint.Item?.value?.N ?? 0) + 1;
      for (;;) {
        try {
          await this.dynamo.send(
            new PutItemCommand({
              TableName: this.table,
              Item: { pk: { S: `${base}#slot#${n}` }, owner: { S: owner } },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          break;
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
          const slot = await this.dynamo.send(
            new GetItemCommand({ TableName: this.table, Key: { pk: { S: `${base}#slot#${n}` } }, ConsistentRead: true }),
          );
          if (slot.Item?.owner?.S === owner) break; // ours, from an attempt that crashed
          n += 1;
        }
      }
      await this.dynamo.send(
        new PutItemCommand({ TableName: this.table, Item: { pk: { S: `${base}#owner#${owner}` }, value: { N: String(n) } } }),
      );
      await this.dynamo
        .send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { pk: { S: `${base}#hwm` } },
            UpdateExpression: 'SET #v = :n',
            ConditionExpression: 'attribute_not_exists(#v) OR #v < :n',
            ExpressionAttributeNames: { '#v': 'value' },
            ExpressionAttributeValues: { ':n': { N: String(n) } },
          }),
        )
        .catch((err) => {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
        });
      return n;
    } catch (err) {
      return wrap(err);
    }
  }
}

export type IdempotencyState = { status: 'new' } | { status: 'done'; result: unknown } | { status: 'in_progress' };

/**
 * The idempotency ledger: a conditional put on a key derived from a message or request. Used by
 * handlers whose effect is not already idempotent through a conditional MongoDB update.
 * Entries are `in_progress` while the effect runs and `done` with its result after; an
 * `in_progress` entry older than `staleAfterMs` (its worker died) may be taken over.
 */
export class IdempotencyLedger {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    private readonly staleAfterMs = 60_000,
  ) {}

  async begin(key: string): Promise<IdempotencyState> {
    const now = Date.now();
    try {
      await this.dynamo.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { pk: { S: key }, status: { S: 'in_progress' }, started_at: { N: String(now) } },
          ConditionExpression: 'attribute_not_exists(pk) OR (#s = :p AND started_at < :stale)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':p': { S: 'in_progress' }, ':stale': { N: String(now - this.staleAfterMs) } },
        }),
      );
      return { status: 'new' };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) return wrap(err);
    }
    const existing = await this.dynamo
      .send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: key } }, ConsistentRead: true }))
      .catch(wrap);
    if (existing.Item?.status?.S === 'done') {
      const raw = existing.Item.result?.S;
      return { status: 'done', result: raw ? JSON.parse(raw) : null };
    }
    return { status: 'in_progress' };
  }

  async complete(key: string, result: unknown = null): Promise<void> {
    await this.dynamo
      .send(
        new PutItemCommand({
          TableName: this.table,
          Item: { pk: { S: key }, status: { S: 'done' }, result: { S: JSON.stringify(result) }, done_at: { N: String(Date.now()) } },
        }),
      )
      .catch(wrap);
  }

  /** Forgets an attempt that failed, so a retry may run the effect again. */
  async abandon(key: string): Promise<void> {
    await this.dynamo.send(new DeleteItemCommand({ TableName: this.table, Key: { pk: { S: key } } })).catch(wrap);
  }

  /** Runs `effect` at most once per key; a concurrent duplicate gets a retryable error. */
  async once<T>(key: string, effect: () => Promise<T>): Promise<T> {
    const state = await this.begin(key);
    if (state.status === 'done') return state.result as T;
    if (state.status === 'in_progress') {
      throw new AppError('order_in_progress', `an identical message is being handled (${key})`, { key }, { retryable: true });
    }
    let result: T;
    try {
      result = await effect();
    } catch (err) {
      await this.abandon(key).catch(() => undefined);
      throw err;
    }
    await this.complete(key, result);
    return result;
  }
}
