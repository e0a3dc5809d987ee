import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LRUCache } from 'lru-cache';
import { AppError } from '../domain/errors.js';
import { EffectSettleBatcher } from './effect-settle.batcher.js';

/**
 * `held`: another holder's claim runs until `until` (maybe a dead holder's); `owned`: the effect
 * failed before and its record is the retry sweeper's work (pending) or an operator's (parked).
 */
export type Claim = { kind: 'claimed'; attempt: number } | { kind: 'sent' } | { kind: 'held'; until: number } | { kind: 'owned'; status: 'pending' | 'parked' };

export type Settlement = { status: 'sent' } | { status: 'pending'; nextAttemptAt: Date; error: string } | { status: 'parked'; error: string };

/**
 * Who is performing an effect of an event, and how it ended, in DynamoDB: one item per event,
 * with each effect's state in attributes of its own (docs/adr/0019), so the effects of one event
 * are claimed in one call and their successes settled in one more. A claim is a lease: it lasts
 * as long as the message stays invisible (the queue's visibility timeout), so a holder that dies
 * cannot keep it past the moment its message is delivered again: the redelivery (or the retry
 * sweeper) takes it over instead of being refused. A `pending` effect carries its next attempt
 * time as its lease, so nobody retries it early; `sent` and `parked` are final (parked ones are
 * replayed on purpose, by `reopen`). Keys are the effects' `{event_id}:{effect}`.
 *
 * An event whose every effect this holder claimed at once is settled, as its effects are sent, by
 * writing the item whole, in a BatchWriteItem shared with other events (docs/adr/0019, amendments
 * 2 and 4): the image its claim returned, with the effects sent so far marked so. While every
 * effect of the item is under this holder's live claim nobody else writes it, so the image is
 * current as long as this holder's own writes to it are made one after the other (the caller's
 * part: `EffectService` chains one event's settlements). Any other settlement (a failure, an item
 * with effects claimed by others, an image no longer held) is a conditional-free UpdateItem of
 * its own attributes, and a failure drops the image: what follows it is written that way too.
 */
export class EffectLedger {
  /**
   * Items whose every effect this holder claimed at once, by event id: the item as written so far
   * and the effects not settled yet. Kept until all are settled, and only while the claim's lease
   * has more than LEASE_MARGIN_MS to run (its `ttl`), so a put never lands after the lease ended.
   */
  private readonly claimedItems = new LRUCache<string, { item: Record<string, AttributeValue>; unsettled: string[] }>({ max: 10_000 });
  private readonly batcher: EffectSettleBatcher;

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
  ) {
    this.batcher = new EffectSettleBatcher(dynamo, table);
  }

  async claim(key: string, leaseMs: number): Promise<Claim> {
    return (await this.claimAll([key], leaseMs)).get(key) as Claim;
  }

  /**
   * Claims effects of one event: all of them in one conditional update when none is taken (the
   * first delivery), otherwise each on its own, as `claim` would.
   */
  async claimAll(keys: string[], leaseMs: number): Promise<Map<string, Claim>> {
    const claims = new Map<string, Claim>();
    if (keys.length === 0) return claims;
    const parsed = keys.map(parseKey);
    const eventId = parsed[0]!.eventId;
    if (parsed.some((p) => p.eventId !== eventId)) throw new Error('claimAll takes the effects of one event');
    const all = await this.tryClaim(eventId, parsed.map((p) => p.effect), leaseMs, true);
    if (all) {
      keys.forEach((key, i) => claims.set(key, { kind: 'claimed', attempt: all[i]! }));
      return claims;
    }
    if (keys.length === 1) {
      claims.set(keys[0]!, await this.standing(eventId, parsed[0]!.effect));
      return claims;
    }
    const each = await Promise.all(keys.map((key) => this.claim(key, leaseMs)));
    keys.forEach((key, i) => claims.set(key, each[i]!));
    return claims;
  }

  /** Records a failed effect's outcome; the item's image is dropped (it no longer matches what is written). */
  async settle(key: string, outcome: Settlement): Promise<void> {
    const { eventId, effect } = parseKey(key);
    this.claimedItems.delete(eventId);
    const names: Record<string, string> = { '#s': attr('s', effect), '#t': attr('t', effect) };
    const values: Record<string, AttributeValue> = { ':s': { S: outcome.status }, ':at': { N: String(Date.now()) } };
    let update = 'SET #s = :s, #t = :at';
    if (outcome.status === 'pending') {
      update += ', #l = :next, #e = :e';
      names['#l'] = attr('l', effect);
      names['#e'] = attr('e', effect);
      values[':next'] = { N: String(outcome.nextAttemptAt.getTime()) };
      values[':e'] = { S: outcome.error };
    } else if (outcome.status === 'parked') {
      update += ', #e = :e';
      names['#e'] = attr('e', effect);
      values[':e'] = { S: outcome.error };
    }
    await this.update({ Key: itemKey(eventId), UpdateExpression: update, ExpressionAttributeNames: names, ExpressionAttributeValues: values });
  }

  /**
   * Several effects of one event sent: one write, shared with other events' when it can be (see
   * the class). Settlements of one event must not overlap: each builds on the image the last left.
   */
  async settleSent(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const parsed = keys.map(parseKey);
    const eventId = parsed[0]!.eventId;
    const claimed = this.claimedItems.get(eventId);
    const effects = parsed.map((p) => p.effect);
    if (claimed && effects.every((effect) => claimed.unsettled.includes(effect))) {
      const at: AttributeValue = { N: String(Date.now()) };
      const item = { ...claimed.item };
      for (const effect of effects) Object.assign(item, { [attr('s', effect)]: { S: 'sent' }, [attr('t', effect)]: at });
      const unsettled = claimed.unsettled.filter((effect) => !effects.includes(effect));
      // Set again with the time the lease has left: the image must not outlive it.
      if (unsettled.length === 0) this.claimedItems.delete(eventId);
      else this.claimedItems.set(eventId, { item, unsettled }, { noUpdateTTL: true });
      // Written or not, the image now holds these as sent: so does the UpdateItem below, if it comes to that.
      if (await this.batcher.put(item)) return;
    } else {
      this.claimedItems.delete(eventId);
    }
    const names: Record<string, string> = {};
    const sets = parsed.map((p, i) => {
      names[`#s${i}`] = attr('s', p.effect);
      names[`#t${i}`] = attr('t', p.effect);
      return `#s${i} = :sent, #t${i} = :at`;
    });
    await this.update({
      Key: itemKey(parsed[0]!.eventId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':sent': { S: 'sent' }, ':at': { N: String(Date.now()) } },
    });
  }

  /** A parked effect made claimable again (an operator's replay); a sent one stays sent. */
  async reopen(key: string): Promise<boolean> {
    const { eventId, effect } = parseKey(key);
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: itemKey(eventId),
          UpdateExpression: 'SET #s = :pending, #l = :zero',
          ConditionExpression: 'attribute_not_exists(#s) OR #s <> :sent',
          ExpressionAttributeNames: { '#s': attr('s', effect), '#l': attr('l', effect) },
          ExpressionAttributeValues: { ':pending': { S: 'pending' }, ':zero': { N: '0' }, ':sent': { S: 'sent' } },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw unavailable(err);
    }
  }

  /**
   * Every effect claimed in one update if each is free (new, or a lapsed claim or pending lease); its attempts, or null.
   * `remember`: keep the item as the claim left it, for `settleSent`, when these are all of its effects.
   */
  private async tryClaim(eventId: string, effects: string[], leaseMs: number, remember = false): Promise<number[] | null> {
    const now = Date.now();
    const names: Record<string, string> = {};
    const sets: string[] = [];
    const adds: string[] = [];
    const conditions: string[] = [];
    effects.forEach((effect, i) => {
      Object.assign(names, { [`#s${i}`]: attr('s', effect), [`#l${i}`]: attr('l', effect), [`#a${i}`]: attr('a', effect) });
      sets.push(`#s${i} = :claimed, #l${i} = :lease`);
      adds.push(`#a${i} :one`);
      conditions.push(`(attribute_not_exists(#s${i}) OR ((#s${i} = :claimed OR #s${i} = :pending) AND #l${i} < :now))`);
    });
    try {
      const res = await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: itemKey(eventId),
          UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
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
      const item = res.Attributes ?? {};
      const onItem = Object.keys(item).filter((name) => name.startsWith('s_')).map((name) => name.slice(2));
      const ttl = now + leaseMs - LEASE_MARGIN_MS - Date.now();
      if (remember && sameSet(onItem, effects) && ttl > 0) this.claimedItems.set(eventId, { item, unsettled: effects }, { ttl });
      return effects.map((effect) => Number(res.Attributes?.[attr('a', effect)]?.N ?? 1));
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return null;
      throw unavailable(err);
    }
  }

  /** Why an effect could not be claimed: sent already, failed before (the sweeper's), or someone else's live claim. */
  private async standing(eventId: string, effect: string): Promise<Claim> {
    const item = await this.dynamo.send(new GetItemCommand({ TableName: this.table, Key: itemKey(eventId), ConsistentRead: true })).catch((err) => {
      throw unavailable(err);
    });
    const status = item.Item?.[attr('s', effect)]?.S;
    if (status === 'sent') return { kind: 'sent' };
    if (status === 'pending' || status === 'parked') return { kind: 'owned', status };
    return { kind: 'held', until: Number(item.Item?.[attr('l', effect)]?.N ?? Date.now()) };
  }

  private async update(input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName'>): Promise<void> {
    await this.dynamo.send(new UpdateItemCommand({ TableName: this.table, ...input })).catch((err) => {
      throw unavailable(err);
    });
  }
}

/** How long before its claim's lease ends an image stops being written whole (a put in flight lands before the lease ends). */
const LEASE_MARGIN_MS = 5_000;

/** `{event_id}:{effect}` (effect names have no colon; event ids are UUIDs). */
function parseKey(key: string): { eventId: string; effect: string } {
  const at = key.lastIndexOf(':');
  if (at <= 0 || at === key.length - 1) throw new Error(`not an effect key: ${key}`);
  return { eventId: key.slice(0, at), effect: key.slice(at + 1) };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function itemKey(eventId: string): Record<string, AttributeValue> {
  return { pk: { S: `effects#${eventId}` } };
}

/** The attribute holding one part of an effect's state: s status, l lease_until, a attempts, t settled_at, e last_error. */
function attr(part: 's' | 'l' | 'a' | 't' | 'e', effect: string): string {
  return `${part}_${effect}`;
}

function unavailable(err: unknown): AppError {
  return AppError.unavailable('DynamoDB (effect ledger)', err);
}
