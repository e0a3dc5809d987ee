import {
  ConditionalCheckFailedException,
  CreateTableCommand,
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
 *
 * `next` with a block size above 1 takes that many numbers in one ADD and hands them out from
 * this process (docs/adr/0018): still never a duplicate; numbers a process took and did not use
 * before it stopped are gaps, and two processes' orders interleave by block, not by time.
 */
export class Sequences {
  /** `{tenant}#{name}` -> the numbers this process holds (next to hand out, last of the block). */
  private readonly blocks = new Map<string, { next: number; last: number }>();
  /** A block being fetched: concurrent callers wait for it instead of each fetching one. */
  private readonly fetching = new Map<string, Promise<void>>();

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
  ) {}

  async next(tenantId: string, name: string, blockSize = 1): Promise<number> {
    if (blockSize <= 1) return this.add(tenantId, name, 1);
    const key = `${tenantId}#${name}`;
    for (;;) {
      const block = this.blocks.get(key);
      if (block && block.next <= block.last) return block.next++;
      let pending = this.fetching.get(key);
      if (!pending) {
        pending = this.add(tenantId, name, blockSize)
          .then((last) => void this.blocks.set(key, { next: last - blockSize + 1, last }))
          .finally(() => this.fetching.delete(key));
        this.fetching.set(key, pending);
      }
      await pending;
    }
  }

  /** Adds `n` to the counter; the new value (the last of the `n` numbers taken). */
  private async add(tenantId: string, name: string, n: number): Promise<number> {
    try {
      const res = await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: `seq#${tenantId}#${name}` } },
          UpdateExpression: 'ADD #v :n',
          ExpressionAttributeNames: { '#v': 'value' },
          ExpressionAttributeValues: { ':n': { N: String(n) } },
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
