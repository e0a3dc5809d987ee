import { z } from 'zod';
import type { QueueKey } from '../../../localstack/resources.js';
import type { SellerScope } from '../../domain/tenant-scope.js';
import type { PriorityGate } from '../../platform/priority-gate.js';
import type { HandlerContext, MessageHandler } from './listener.js';
import type { InboundMessage } from './message.js';
import type { ListenerRegistration } from './server.js';

/** Every inbound message names its tenant and seller (API.md, Queues). */
const Envelope = z.object({ tenant_id: z.string().trim().min(1).max(200), seller_id: z.string().trim().min(1).max(200) });

/** The seller a message acts for, checked against the tenant (an unknown seller is a permanent 404). */
export type ScopeResolver = (tenantId: string, sellerId: string) => Promise<SellerScope>;

export interface HandlerInput<M> {
  msg: M;
  scope: SellerScope;
  message: InboundMessage;
  ctx: HandlerContext;
}

/**
 * A queue's place at the process's priority gate (ADR 0016 amendment): `interactive` messages
 * mark themselves in flight while they run; a `bulk` message waits for its turn before it starts
 * (it is still received and held, so a crash while waiting redelivers it like any other).
 */
export type HandlerPriority = 'interactive' | 'bulk' | 'none';

/**
 * The queue handlers of every module, registered like routes on a RouteGroup: `add` parses the
 * message with the domain's schema (a ZodError dead-letters it with its field errors) and builds
 * the seller scope once, the same way for every queue, before the handler runs.
 */
export class HandlerGroup {
  private readonly registrations: ListenerRegistration[] = [];

  constructor(
    private readonly resolveScope: ScopeResolver,
    private readonly gate: PriorityGate | null = null,
  ) {}

  add<S extends z.ZodType>(queue: QueueKey, schema: S, handle: (input: HandlerInput<z.output<S>>) => Promise<void>, options: { priority?: HandlerPriority } = {}): void {
    const run = async (message: InboundMessage, ctx: HandlerContext) => {
      const envelope = Envelope.parse(message.body);
      const msg = schema.parse(message.body);
      const scope = await this.resolveScope(envelope.tenant_id, envelope.seller_id);
      await handle({ msg, scope, message, ctx });
    };
    const { gate } = this;
    const priority = gate ? (options.priority ?? 'none') : 'none';
    const handler: MessageHandler = {
      kind: 'single',
      handle: async (message, ctx) => {
        if (priority === 'interactive') return (gate as PriorityGate).interactive('interactive_lane', () => run(message, ctx));
        if (priority === 'bulk') await (gate as PriorityGate).admitBulk('bulk_lane');
        await run(message, ctx);
      },
    };
    this.registrations.push({ queue, handler });
  }

  list(): ListenerRegistration[] {
    return [...this.registrations];
  }
}
