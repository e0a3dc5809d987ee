import {
  type AttributeValue,
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

/** Taken slots a claimer probes past before it reads the high-water hint again (Sequences.claim). */
const REREAD_HINT_EVERY = 3;

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
   * put of `slot#N -> owner`, probing forward from a high-water hint.
   *
   * Claimers racing for the same numbers (a burst of shipments) each probe past the slots the
   * others took: a taken slot costs one failed put, and every few of those the hint is read again
   * to jump past the slots claimed meanwhile. Every slot at or below the hint is taken (a claimer
   * tries slot N only after finding N-1 taken or at the hint), so a jump never leaves a gap.
   *
   * A crash must not leave one either. Before probing, the owner records where it starts; the put
   * of a slot succeeds on a slot the owner already holds. So a retry (or a second delivery racing
   * the first) walks from that start, without jumps, to the slot the first attempt took, instead
   * of starting past it at the hint, which by then may have moved on.
   */
  async claim(tenantId: string, name: string, owner: string): Promise<number> {
    const base = `seq#${tenantId}#${name}`;
    const ownerKey = { pk: { S: `${base}#owner#${owner}` } };
    const read = (key: Record<string, AttributeValue>) => this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    const hint = async () => Number((await read({ pk: { S: `${base}#hwm` } })).Item?.value?.N ?? 0);
    try {
      const mine = (await read(ownerKey)).Item;
      if (mine?.value?.N) return Number(mine.value.N);
      // An earlier attempt's start: walk from it, slot by slot, so that its slot is found again.
      let resumed = mine?.from?.N !== undefined;
      let n = resumed ? Number(mine!.from!.N) : (await hint()) + 1;
      if (!resumed) {
        try {
          await this.dynamo.send(new PutItemCommand({ TableName: this.table, Item: { ...ownerKey, from: { N: String(n) } }, ConditionExpression: 'attribute_not_exists(pk)' }));
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
          // Another delivery for the same owner began first: take its number, or follow its start.
          const first = (await read(ownerKey)).Item;
          if (first?.value?.N) return Number(first.value.N);
          [resumed, n] = [true, Number(first?.from?.N ?? n)];
        }
      }
      for (let taken = 1; ; taken++) {
        try {
          await this.dynamo.send(
            new PutItemCommand({
              TableName: this.table,
              Item: { pk: { S: `${base}#slot#${n}` }, owner: { S: owner } },
              // Free, or this owner's from an attempt that crashed before recording it.
              ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': { S: owner } },
            }),
          );
          break;
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
          n = !resumed && taken % REREAD_HINT_EVERY === 0 ? Math.max(n, await hint()) + 1 : n + 1;
        }
      }
      await this.dynamo.send(
        new PutItemCommand({ TableName: this.table, Item: { ...ownerKey, value: { N: String(n) } } }),
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
