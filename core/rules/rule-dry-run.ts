import { z } from 'zod';
import { AppError } from '../domain/errors.js';
import { parseInput } from '../domain/validation.js';
import { CreateOrderBody } from '../order/order.schemas.js';
import type { TenantSettings } from '../tenant/tenant.types.js';
import { orderFacts, type OrderForRules } from './rule-facts.js';
import type { RuleOrderReader } from './rule-order.reader.js';
import { effectsOn, explainOutcome, outcomeOf } from './rule-outcome.js';
import { parseRule } from './rule.schemas.js';
import type { RuleScope, RuleService } from './rule.service.js';
import type { RuleOutcome } from './rule.types.js';

export const DryRunBody = z
  .object({
    /** An existing order: OMS id, or the seller's order_id on seller routes. */
    order_id: z.string().trim().min(1).max(200).optional(),
    /** Or an order body as it would be created (API.md create body). */
    order: z.record(z.string(), z.unknown()).optional(),
    /** Tenant routes with a posted order: whose seller rules apply as well. */
    seller_id: z.string().trim().min(1).max(100).optional(),
    /** A draft of this scope's rules, in place of the stored ones. */
    rules: z.array(z.unknown()).max(100).optional(),
  })
  .strict()
  .refine((b) => (b.order_id === undefined) !== (b.order === undefined), { message: 'give order_id or order, not both', path: ['order_id'] });
export type DryRunInput = z.output<typeof DryRunBody>;

/**
 * Evaluates the current or a draft rule set against an existing order or a posted body and
 * says what would happen, writing nothing (no order, no rule set, no metric).
 */
export class RuleDryRun {
  constructor(
    private readonly rules: RuleService,
    private readonly orders: RuleOrderReader,
    private readonly tenants: { settings(scope: RuleScope): Promise<TenantSettings> },
  ) {}

  async run(scope: RuleScope, body: DryRunInput): Promise<Record<string, unknown>> {
    const draft = body.rules?.map((r, i) => parseRule(r, `rules.${i}`)) ?? null;
    const existing = body.order_id ? await this.orders.find(scope, scope.sellerId, body.order_id) : null;
    if (body.order_id && !existing) throw AppError.notFound('order', body.order_id);
    const order: OrderForRules = existing ?? posted(parseInput(CreateOrderBody, body.order, 'order'), scope.sellerId ?? body.seller_id ?? null);
    const { compiled, versions } = await this.rules.compiledWith(scope, order.seller_id, draft);
    const facts = orderFacts(order);
    const outcome = outcomeOf(await compiled.evaluate(facts));
    const settings = await this.tenants.settings(scope);
    const effects = existing ? effectsOn(existing, outcome) : null;
    const { sku_quantities: _q, ...shownFacts } = facts;
    return {
      dry_run: true,
      rule_set: { tenant_version: versions.tenant, seller_version: versions.seller, draft: draft !== null },
      order: existing ? { id: existing.id, status: existing.status, hold_reason: existing.hold_reason } : null,
      facts: shownFacts,
      ...explainOutcome(outcome),
      would: {
        decision: decision(outcome, settings),
        tags: [...new Set([...(order.tags ?? []), ...outcome.tags])],
        priority: outcome.priority?.value ?? existing?.priority ?? null,
        new_timeline_entries: effects ? effects.timeline.length : outcome.fired.length,
      },
    };
  }
}

/** What routing would do with the rules' say (stock and hubs permitting). */
function decision(outcome: RuleOutcome, settings: TenantSettings): string {
  if (outcome.hold) return `on_hold: ${outcome.hold.reason} (rule ${outcome.hold.firing.rule_name})`;
  if (!settings.auto_approval && !outcome.approve) return 'on_hold: manual_review (auto-approval is off)';
  return outcome.approve && !settings.auto_approval ? `routed, approved by rule ${outcome.approve.rule_name}` : 'routed';
}

function posted(input: z.output<typeof CreateOrderBody>, sellerId: string | null): OrderForRules {
  return { ...input, seller_id: sellerId ?? '', created_at: new Date(), tags: [] };
}
