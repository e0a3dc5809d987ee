import type { OutboundEvent } from '../domain/events.js';
import { AppError, isAppError } from '../domain/errors.js';
import { tenantScope, type TenantScope } from '../domain/tenant-scope.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { EffectLedger, Settlement } from './effect.ledger.js';
import type { EffectRepository } from './effect.repository.js';
import { effectKey, type EffectRecord } from './effect.types.js';

/** Performs one effect of an event (a push, an e-mail…). Throws when it did not happen. */
export type Performer = (event: OutboundEvent) => Promise<void>;

/** What became of one attempt: done now or before, someone else's, or left for the sweeper. */
export type EffectOutcome = 'sent' | 'already_sent' | 'held' | 'pending' | 'parked';

export interface EffectOptions {
  /** How long a claim lasts: the visibility timeout of the queue the events arrive on. */
  leaseMs: number;
  /** Attempts before an effect is parked. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * The side effects of events, each performed effectively once and never lost (docs/adr/0008):
 * a leased claim in the ledger, the effect, then its outcome. A failure is recorded with its
 * reason and the next attempt's time, and the message is done with it: the sweeper retries with
 * exponential backoff and jitter until `maxAttempts`, then parks it (listed, replayable). A
 * redelivered or replayed message finds `sent` and skips; a claim whose holder died is taken over
 * once its lease (the message's visibility) ran out.
 */
export class EffectService {
  private readonly performers = new Map<string, Performer>();
  /** Tenants with an effect this process saw fail (and when, last), not yet finished: the sweeper's short list. */
  private readonly failing = new Map<string, number>();

  constructor(
    private readonly ledger: EffectLedger,
    private readonly records: EffectRepository,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: EffectOptions,
  ) {}

  /** Modules register what each named effect does while they are built. */
  register(effect: string, perform: Performer): void {
    this.performers.set(effect, perform);
  }

  async run(event: OutboundEvent, effect: string): Promise<EffectOutcome> {
    return (await this.runAll(event, [effect]))[0]!;
  }

  /**
   * Performs several effects of one event side by side: claimed together (one ledger write on a
   * first delivery), each performed, and each success settled as soon as it is done (successes
   * within SETTLE_LINGER_MS of each other share one write): a crash re-sends only what was in
   * flight, not a fast effect that waited for a slow sibling. A failure is recorded for its
   * effect alone. Outcomes in the order of `effects`.
   */
  async runAll(event: OutboundEvent, effects: string[]): Promise<EffectOutcome[]> {
    const performers = effects.map((effect) => {
      const perform = this.performers.get(effect);
      if (!perform) throw new Error(`no performer registered for effect ${effect}`);
      return perform;
    });
    const keys = effects.map((effect) => effectKey(event.event_id, effect));
    const claims = await this.ledger.claimAll(keys, this.options.leaseMs);
    const scope = tenantScope(event.tenant_id);
    const settling = new Settler(this.ledger);
    const settled = await Promise.allSettled(
      effects.map(async (effect, i): Promise<EffectOutcome | { attempt: number }> => {
        const claim = claims.get(keys[i]!)!;
        if (claim.kind === 'sent') return 'already_sent';
        if (claim.kind === 'owned') return claim.status;
        if (claim.kind === 'held') {
          await this.expectTakeover(scope, event, effect, claim.until);
          return 'held';
        }
        try {
          await performers[i]!(event);
        } catch (err) {
          return this.failed(scope, event, effect, claim.attempt, err, settling);
        }
        settling.sent(keys[i]!);
        return { attempt: claim.attempt };
      }),
    );
    await settling.done();
    const outcomes = settled.map((r) => (r.status === 'fulfilled' ? r.value : null));
    const sent = effects.flatMap((_, i) => (outcomes[i] !== null && typeof outcomes[i] === 'object' ? [i] : []));
    // A failure that could not even be recorded leaves the message to be delivered again (the sent ones are settled).
    const lost = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (lost) throw lost.reason;
    // Only an effect that failed before has a record to close.
    for (const i of sent) {
      const { attempt } = outcomes[i] as { attempt: number };
      if (attempt > 1) await this.records.markSent(scope, keys[i]!, attempt);
    }
    return effects.map((effect, i) => this.count(effect, typeof outcomes[i] === 'object' ? 'sent' : (outcomes[i] as EffectOutcome)));
  }

  /**
   * Which tenants a sweep visits: those whose effects failed in this process lately, and every
   * tenant on a full pass (the caller's choice, every so often), which finds what another or an
   * earlier, crashed process left behind.
   */
  tenantsToSweep(): string[] {
    return [...this.failing.keys()];
  }

  /** The sweeper's pass over one tenant: effects whose next attempt is due. */
  async retryDue(scope: TenantScope, limit = 100): Promise<number> {
    let done = 0;
    const started = Date.now();
    const due = await this.records.due(scope, new Date(started), limit);
    // Off the short list only when nothing is pending and nothing failed since this pass began.
    if (due.length === 0 && !(await this.records.hasPending(scope)) && (this.failing.get(scope.tenantId) ?? 0) < started) this.failing.delete(scope.tenantId);
    for (const record of due) {
      const outcome = await this.run(record.event, record.effect).catch((err) => {
        this.logger.warn({ err, effect: record.effect, event_id: record.event.event_id }, 'effect retry failed; next pass tries again');
        return 'held' as const;
      });
      if (outcome === 'sent' || outcome === 'already_sent') done += 1;
      if (outcome === 'already_sent') await this.records.markSent(scope, record.id, record.attempts);
    }
    return done;
  }

  /**
   * Replays a parked (or pending) effect now, in this call, and answers how it went; a sent one is
   * refused (409), so replays never repeat a send.
   */
  async replay(scope: TenantScope, id: string): Promise<{ outcome: EffectOutcome; record: EffectRecord }> {
    const record = await this.records.find(scope, id);
    if (!record) throw AppError.notFound('effect', id);
    if (record.status === 'sent' || !(await this.ledger.reopen(id))) {
      throw new AppError('conflict', `effect ${id} was sent already`, { id, status: 'sent' });
    }
    const outcome = await this.run(record.event, record.effect);
    if (outcome === 'sent' || outcome === 'already_sent') await this.records.markSent(scope, id, record.attempts + 1);
    return { outcome, record: (await this.records.find(scope, id)) ?? record };
  }

  /**
   * Another holder claimed the effect and this delivery of the event cannot wait for it: if that
   * holder died, nothing else would try again (its message may be gone by now), so the sweeper is
   * told to look once the claim's lease ended. A live holder settles it first, and the sweeper then
   * finds it sent.
   */
  private async expectTakeover(scope: TenantScope, event: OutboundEvent, effect: string, leaseUntil: number): Promise<void> {
    await this.records.insertIfAbsent(scope, {
      id: effectKey(event.event_id, effect),
      tenant_id: event.tenant_id,
      seller_id: event.seller_id,
      order_id: event.order_id,
      effect,
      event,
      status: 'pending',
      attempts: 0,
      next_attempt_at: new Date(Math.max(leaseUntil, Date.now()) + 1000),
      last_error: 'claimed by another worker when the event was delivered again; checked once that claim lapsed',
    });
    this.failing.set(event.tenant_id, Date.now());
  }

  private async failed(scope: TenantScope, event: OutboundEvent, effect: string, attempt: number, err: unknown, settling: Settler): Promise<'pending' | 'parked'> {
    const key = effectKey(event.event_id, effect);
    const error = err instanceof Error ? err.message : String(err);
    const park = attempt >= this.options.maxAttempts || (isAppError(err) && !err.retryable);
    const nextAttemptAt = park ? null : new Date(Date.now() + backoffMs(attempt, this.options));
    this.logger.warn({ err, effect, event_id: event.event_id, attempt, parked: park }, 'effect failed');
    await this.records.save(scope, {
      id: key,
      tenant_id: event.tenant_id,
      seller_id: event.seller_id,
      order_id: event.order_id,
      effect,
      event,
      status: park ? 'parked' : 'pending',
      attempts: attempt,
      next_attempt_at: nextAttemptAt,
      last_error: error,
    });
    // Stamped after the record is stored: a sweep that began before this failure keeps the tenant listed.
    this.failing.set(event.tenant_id, Date.now());
    await settling.failed(key, nextAttemptAt ? { status: 'pending', nextAttemptAt, error } : { status: 'parked', error });
    return park ? 'parked' : 'pending';
  }

  private count<T extends EffectOutcome>(effect: string, outcome: T): T {
    this.metrics.effects.inc({ effect, outcome });
    return outcome;
  }
}

/** Exponential backoff with full jitter: a random delay up to min(max, base * 2^(attempt-1)). */
export function backoffMs(attempt: number, options: Pick<EffectOptions, 'baseDelayMs' | 'maxDelayMs'>): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.max(options.baseDelayMs / 2, Math.round(Math.random() * cap));
}

/** Successes of one event settled within this long of each other share one ledger write. */
const SETTLE_LINGER_MS = 10;

/**
 * Writes one event's outcomes to the ledger as they come, one write after the other (the ledger
 * builds each whole-item write on the last: docs/adr/0019, amendment 4). Successes within
 * SETTLE_LINGER_MS of each other share one write; a failure is written in turn, after the
 * successes before it. None is lost if an earlier one fails: `done` reports the first failed
 * success after every write was tried, and `failed` answers for its own write.
 */
class Settler {
  private waiting: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private failure: unknown = null;

  constructor(private readonly ledger: Pick<EffectLedger, 'settleSent' | 'settle'>) {}

  sent(key: string): void {
    this.waiting.push(key);
    this.timer ??= setTimeout(() => this.flush(), SETTLE_LINGER_MS);
  }

  failed(key: string, outcome: Settlement): Promise<void> {
    this.flush();
    return this.then(() => this.ledger.settle(key, outcome));
  }

  async done(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const keys = this.waiting;
    this.waiting = [];
    if (keys.length === 0) return;
    this.then(() => this.ledger.settleSent(keys)).catch((err: unknown) => (this.failure ??= err));
  }

  /** Runs `write` after the writes before it, whatever became of them. */
  private then(write: () => Promise<void>): Promise<void> {
    const run = this.chain.then(write);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
