import type { Order } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { Metrics } from '../platform/metrics.js';
import type { TenantSettings } from '../tenant/tenant.types.js';
import { builtInRules } from './built-in-rules.js';
import { CompiledRules } from './rule-engine.js';
import { orderFacts, type OrderForRules } from './rule-facts.js';
import { effectsOn, outcomeOf, type RuleEffects } from './rule-outcome.js';
import type { RuleRepository } from './rule.repository.js';
import type { Firing, RuleOutcome, RuleSet } from './rule.types.js';

interface Entry {
  at: number;
  settings: TenantSettings;
  compiled: CompiledRules;
}

/** Other processes see a rule change within this long (this process at once), as with tenant settings. */
export const RULES_TTL_MS = 5000;

/**
 * The rules that apply to a seller's orders (built-ins from the tenant settings, tenant-wide
 * rules, the seller's rules), compiled and cached per tenant and seller. With a warm cache an
 * evaluation reads no store: the settings come from TenantService's own cache.
 */
export class RuleBook {
  private readonly cache = new Map<string, Map<string, Entry>>();
  private readonly loading = new Map<string, Promise<Entry>>();
  /** Bumped by invalidate, so a load that started before a change does not cache what it read. */
  private readonly generation = new Map<string, number>();

  constructor(
    private readonly repo: RuleRepository,
    private readonly tenants: { settings(scope: TenantScope): Promise<TenantSettings> },
    private readonly metrics: Metrics,
    private readonly ttlMs = RULES_TTL_MS,
  ) {}

  /** What the rules decide for this order now. */
  async outcome(scope: TenantScope, order: OrderForRules): Promise<RuleOutcome> {
    const compiled = await this.compiledFor(scope, order.seller_id);
    return outcomeOf(await compiled.evaluate(orderFacts(order)));
  }

  /** The outcome and what it changes on the order (tags, priority, new firings on the timeline). */
  async effects(scope: TenantScope, order: OrderForRules & Pick<Order, 'priority' | 'rules_fired' | 'timeline'>): Promise<{ outcome: RuleOutcome; effects: RuleEffects }> {
    const outcome = await this.outcome(scope, order);
    return { outcome, effects: effectsOn(order, outcome) };
  }

  /** Counts firings once they are on an order's timeline (after its write succeeded). */
  counted(firings: Firing[]): void {
    for (const f of firings) this.metrics.ruleFirings.inc({ rule: f.rule_name });
  }

  /** Forgets a tenant's compiled rules (after a change of its rules or settings). */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
    this.generation.set(tenantId, (this.generation.get(tenantId) ?? 0) + 1);
    for (const key of this.loading.keys()) if (key.startsWith(`${tenantId}\u0000`)) this.loading.delete(key);
  }

  async compiledFor(scope: TenantScope, sellerId: string): Promise<CompiledRules> {
    const settings = await this.tenants.settings(scope);
    const entry = this.cache.get(scope.tenantId)?.get(sellerId);
    // A new settings object means TenantService reloaded them: the built-ins may have changed.
    if (entry && entry.settings === settings && Date.now() - entry.at < this.ttlMs) return entry.compiled;
    const key = `${scope.tenantId}\u0000${sellerId}`;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(scope, sellerId, settings).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return (await pending).compiled;
  }

  private async load(scope: TenantScope, sellerId: string, settings: TenantSettings): Promise<Entry> {
    const generation = this.generation.get(scope.tenantId) ?? 0;
    const { tenant, seller } = await this.repo.headsFor(scope, sellerId);
    const entry: Entry = { at: Date.now(), settings, compiled: compileRules(settings, tenant, seller) };
    if (generation !== (this.generation.get(scope.tenantId) ?? 0)) return entry;
    let sellers = this.cache.get(scope.tenantId);
    if (!sellers) this.cache.set(scope.tenantId, (sellers = new Map()));
    sellers.set(sellerId, entry);
    return entry;
  }
}

/** Pure: every rule that runs for a seller's orders, from the settings and the two rule sets (or drafts). */
export function compileRules(settings: TenantSettings, tenant: Pick<RuleSet, 'rules' | 'built_ins'> | null, seller: Pick<RuleSet, 'rules'> | null): CompiledRules {
  const builtIns = builtInRules(settings, tenant?.built_ins ?? {}).filter((r) => r.active);
  return new CompiledRules([...builtIns, ...(tenant?.rules ?? []), ...(seller?.rules ?? [])]);
}
