import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Db } from 'mongodb';
import { TERMINAL_STATUSES } from '../../core/domain/transitions.js';
import { ORDER_EVENT_EFFECTS } from '../../core/order/order-updates.service.js';
import { DeadLetterService } from '../../core/operations/dead-letter.service.js';
import type { Queues } from '../../core/platform/queues.js';
import { expectStatus, type ApiClient } from '../bench/per-order/api-client.js';
import type { ChaosStack } from './chaos-stack.js';
import type { ChaosWorld } from './chaos-world.js';
import type { LoadLedger } from './chaos-load.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Verdict {
  orders: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  /** Stock rows seen with reserved > on_hand (or available < 0), over every sample. */
  oversold: number;
  /** check-stock differences (reserved vs holds of live orders, slots), in-flight ones aside. */
  drift: number;
  slotDrift: number;
  stuck: { id: string; status: string }[];
  byStatus: Record<string, number>;
  /** `duplicated`: Pusher events, SMS and pushes received more than once (by channel in `duplicatedByChannel`). */
  effects: { sent: number; duplicated: number; duplicatedByChannel: Record<string, number>; parked: number; unsettled: number; unrecorded: number; lost: number; parkedReasons: string[] };
  /** `explained`: dead letters the load provokes on purpose (see EXPLAINED_DEAD_LETTER). */
  dlq: { messages: number; explained: number; reasons: Record<string, number> };
  checkStockOk: boolean;
  failures: string[];
}

/** Reads a tenant's orders through the seller API, as a seller would (the project's own read path). */
async function listOrders(world: ChaosWorld): Promise<{ id: string; order_id: string; status: string; hold_reason: string | null }[]> {
  const out: { id: string; order_id: string; status: string; hold_reason: string | null }[] = [];
  for (let page = 1; ; page++) {
    // A loaded machine can take longer than a client's patience for a page: ask again (reads are safe to repeat).
    let answer = await world.seller('GET', `/orders?per_page=200&page=${page}`);
    for (let retry = 0; answer.status === 0 && retry < 4; retry++) answer = await world.seller('GET', `/orders?per_page=200&page=${page}`);
    const res = expectStatus('list orders', answer, 200);
    out.push(...(res.body.data as { id: string; order_id: string; status: string; hold_reason: string | null }[]));
    if (res.body.data.length < 200) return out;
  }
}

export function checkStockCli(stack: ChaosStack, tenantId: string): { ok: boolean; report: any } {
  const res = spawnSync(process.execPath, ['dist/cmd/main.js', 'check-stock', '--tenant', tenantId], {
    cwd: ROOT,
    env: { ...process.env, ...stack.env, LOG_LEVEL: 'error' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  try {
    return { ok: res.status === 0, report: JSON.parse(res.stdout.slice(res.stdout.indexOf('{'))) };
  } catch {
    return { ok: false, report: { raw: res.stdout.slice(-500), stderr: res.stderr.slice(-500) } };
  }
}

async function scanLedger(dynamo: DynamoDBClient, table: string): Promise<Map<string, { status: string; last_error?: string }>> {
  const items = new Map<string, { status: string; last_error?: string }>();
  let start: Record<string, any> | undefined;
  do {
    const res = await dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    // One item per event (`effects#{event_id}`), each effect's state in `s_{effect}` / `e_{effect}` (docs/adr/0019).
    for (const item of res.Items ?? []) {
      const pk = item.pk?.S ?? '';
      if (!pk.startsWith('effects#')) continue;
      const eventId = pk.slice('effects#'.length);
      for (const effect of ORDER_EVENT_EFFECTS) {
        const status = item[`s_${effect}`]?.S;
        if (status) items.set(`${eventId}:${effect}`, { status, last_error: item[`e_${effect}`]?.S });
      }
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * The load cancels orders while its WMS driver ships the approved ones it read a moment before: a
 * warehouse report for an order already cancelled is refused for good (invalid_transition) and
 * dead-lettered for an operator, which is what the OMS must do with it.
 */
const EXPLAINED_DEAD_LETTER = /^shipment: invalid_transition an order cannot move from cancelled to /;

/** Every message left in a DLQ (read through the operators' DLQ service), by queue and reason. */
async function deadLetters(queues: Queues): Promise<{ messages: number; explained: number; reasons: Record<string, number> }> {
  const dlqs = new DeadLetterService(queues);
  const reasons: Record<string, number> = {};
  let messages = 0;
  let explained = 0;
  for (const queue of dlqs.queueNames()) {
    for (const m of await dlqs.oldest(queue, 10_000)) {
      messages++;
      const why = `${dlqs.resolve(queue).key}: ${m.error_code} ${m.error_message.slice(0, 80)}`.trim();
      reasons[why] = (reasons[why] ?? 0) + 1;
      if (EXPLAINED_DEAD_LETTER.test(why)) explained++;
    }
  }
  return { messages, explained, reasons };
}

export async function verify(ctx: {
  api: ApiClient;
  world: ChaosWorld;
  stack: ChaosStack;
  db: Db;
  queues: Queues;
  dynamo: DynamoDBClient;
  ledgerTable: string;
  ledger: LoadLedger;
  oversoldSamples: number;
}): Promise<Verdict> {
  const failures: string[] = [];
  const orders = await listOrders(ctx.world);
  const byRef = new Map<string, number>();
  for (const o of orders) byRef.set(o.order_id, (byRef.get(o.order_id) ?? 0) + 1);
  const lost = [...ctx.ledger.expected].filter((ref) => !byRef.has(ref));
  const duplicated = [...byRef.values()].filter((n) => n > 1).length;
  const unexpected = [...byRef.keys()].filter((ref) => !ctx.ledger.expected.has(ref)).length;
  const byStatus: Record<string, number> = {};
  for (const o of orders) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
  // Settled: a terminal status, or held with a reason (the hot SKU's losers wait for stock).
  const stuck = orders.filter((o) => !TERMINAL_STATUSES.includes(o.status as never) && !(o.status === 'on_hold' && o.hold_reason)).map((o) => ({ id: o.id, status: o.status }));

  const check = checkStockCli(ctx.stack, ctx.world.tenantId);
  const drift = ((check.report?.differences ?? []) as { kind: string }[]).filter((d) => d.kind !== 'in_flight_hold').length;
  const slotDiffs = ((check.report?.capacity_differences ?? []) as { kind: string }[]).filter((d) => d.kind !== 'in_flight_slot').length;
  // Each hub-day's count is the number of orders listed in it.
  const days = await ctx.db.collection('hub_days').find({ tenant_id: ctx.world.tenantId }).toArray();
  const slotCountDrift = days.filter((d) => d.taken !== (d.order_ids as string[]).length).length;

  const ledger = await scanLedger(ctx.dynamo, ctx.ledgerTable);
  // What the receivers got, by effect key (`{event_id}:{effect}`, as the ledger keys it): the
  // seller's Pusher events, and the customer's SMS and pushes from the provider stand-in.
  const received = new Map<string, number>();
  const take = (key: string) => received.set(key, (received.get(key) ?? 0) + 1);
  const all = (await (await fetch(`${ctx.stack.pusherUrl}/_events`)).json()) as { channel: string; data: unknown }[];
  const pushedEvents = all.filter((e) => e.channel === `private-seller-${ctx.world.sellerId}`);
  const createdPushes = new Set<string>();
  for (const e of pushedEvents) {
    const data = e.data as { event_id?: string; event?: string; order_id?: string } | null;
    if (!data?.event_id) continue;
    take(`${data.event_id}:pusher`);
    if (data.event === 'order.created.v1' && data.order_id) createdPushes.add(data.order_id);
  }
  const notified = (await (await fetch(`${ctx.stack.notifyUrl}/_messages`)).json()) as { channel: string; id: string; tenant_id: string; order_id: string | null; stage: string }[];
  const confirmedDevices = new Set<string>();
  for (const m of notified.filter((n) => n.tenant_id === ctx.world.tenantId)) {
    take(m.id);
    if (m.channel === 'push' && m.stage === 'order_confirmed' && m.order_id) confirmedDevices.add(m.order_id);
  }
  const RECEIVED = /:(pusher|sms|push)$/;
  let sent = 0;
  let parked = 0;
  let unsettled = 0;
  const parkedReasons: string[] = [];
  let lostDeliveries = 0;
  for (const [pk, item] of ledger) {
    if (item.status === 'sent') sent++;
    else if (item.status === 'parked') {
      parked++;
      if (!item.last_error) failures.push(`effect ${pk} parked without a reason`);
      else parkedReasons.push(`${pk}: ${item.last_error}`);
    } else unsettled++;
    if (RECEIVED.test(pk) && item.status === 'sent' && !received.has(pk)) lostDeliveries++;
  }
  const duplicatedByChannel: Record<string, number> = {};
  for (const [key, n] of received) {
    if (n < 2) continue;
    const channel = key.slice(key.lastIndexOf(':') + 1);
    duplicatedByChannel[channel] = (duplicatedByChannel[channel] ?? 0) + 1;
  }
  const pushDuplicates = Object.values(duplicatedByChannel).reduce((a, b) => a + b, 0);
  const unrecorded = [...received.keys()].filter((key) => ledger.get(key)?.status !== 'sent').length;
  // Every order's creation is an event every seller dashboard hears, and its customer's device too.
  const noCreatedPush = orders.filter((o) => !createdPushes.has(o.id)).length;
  const noConfirmation = orders.filter((o) => !confirmedDevices.has(o.id)).length;
  const dlq = await deadLetters(ctx.queues);

  const verdict: Verdict = {
    orders: orders.length,
    lost: lost.length,
    duplicated,
    unexpected,
    oversold: ctx.oversoldSamples,
    drift,
    slotDrift: slotDiffs + slotCountDrift,
    stuck,
    byStatus,
    effects: { sent, duplicated: pushDuplicates, duplicatedByChannel, parked, unsettled, unrecorded, lost: lostDeliveries + noCreatedPush + noConfirmation, parkedReasons: parkedReasons.slice(0, 20) },
    dlq,
    checkStockOk: check.ok,
    failures,
  };
  if (verdict.lost > 0) failures.push(`${verdict.lost} orders lost (e.g. ${lost.slice(0, 5).join(', ')})`);
  if (duplicated > 0) failures.push(`${duplicated} orders duplicated`);
  if (unexpected > 0) failures.push(`${unexpected} orders the load never sent`);
  if (verdict.oversold > 0) failures.push(`${verdict.oversold} stock samples oversold (reserved > on_hand)`);
  if (drift > 0 || !check.ok) failures.push(`check-stock: ${drift} differences, ${slotDiffs} slot differences: ${JSON.stringify(check.report).slice(0, 600)}`);
  if (slotCountDrift > 0) failures.push(`${slotCountDrift} hub-days whose count is not their orders`);
  if (stuck.length > 0) failures.push(`${stuck.length} orders stuck: ${JSON.stringify(stuck.slice(0, 5))}`);
  if (unsettled > 0) failures.push(`${unsettled} effects neither sent nor parked`);
  // A push a worker was killed after sending and before recording is sent again: ADR 0008 accepts
  // that window (payloads carry event_id, dashboards dedupe); more than a few per kill is a bug.
  if (pushDuplicates > Math.max(5, sent * 0.02)) failures.push(`${pushDuplicates} deliveries received more than once: ${JSON.stringify(duplicatedByChannel)}`);
  if (unrecorded > 0) failures.push(`${unrecorded} deliveries received but not recorded sent`);
  if (verdict.effects.lost > 0) {
    failures.push(`${lostDeliveries} deliveries recorded sent but never received, ${noCreatedPush} orders whose creation was never pushed to the seller, ${noConfirmation} never confirmed to the customer's device`);
  }
  if (dlq.messages > dlq.explained) failures.push(`${dlq.messages - dlq.explained} unexplained dead-lettered messages: ${JSON.stringify(dlq.reasons)}`);
  return verdict;
}
