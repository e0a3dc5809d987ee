import { Engine, type Almanac, type RuleProperties, type RuleResult } from 'json-rules-engine';
import type { Firing, MatchedFact, Rule } from './rule.types.js';

/**
 * A scope's enabled rules, ready to run over order facts in memory. json-rules-engine's Engine
 * keeps a run status on itself (a second concurrent run on the same engine skips rules once the
 * first finishes), so each evaluation gets its own small engine from the prepared properties.
 */
export class CompiledRules {
  private readonly byId: Map<string, Rule>;
  private readonly properties: RuleProperties[];

  constructor(readonly rules: readonly Rule[]) {
    const enabled = rules.filter((r) => r.enabled);
    this.byId = new Map(enabled.map((r) => [r.id, r]));
    this.properties = enabled.map((r) => ({ name: r.id, priority: r.priority, conditions: r.conditions, event: { type: 'fired', params: { rule_id: r.id } } }));
  }

  /** The rules that fire on these facts, highest priority first (ties: seller rules, then name). */
  async evaluate(facts: Record<string, unknown>): Promise<Firing[]> {
    if (this.properties.length === 0) return [];
    const engine = new Engine(this.properties, { allowUndefinedFacts: true });
    engine.addFact('sku_quantity', async (params: Record<string, unknown>, almanac: Almanac) => {
      const quantities = await almanac.factValue<Record<string, number>>('sku_quantities');
      return quantities[String(params.sku)] ?? 0;
    });
    const { results } = await engine.run(facts);
    return results.map((result) => toFiring(this.byId.get(result.name)!, result)).sort(precedence);
  }
}

export function precedence(a: Pick<Firing, 'priority' | 'seller_id' | 'rule_name'>, b: Pick<Firing, 'priority' | 'seller_id' | 'rule_name'>): number {
  return b.priority - a.priority || Number(b.seller_id !== null) - Number(a.seller_id !== null) || a.rule_name.localeCompare(b.rule_name);
}

function toFiring(rule: Rule, result: RuleResult): Firing {
  return {
    rule_id: rule.id,
    rule_name: rule.name,
    rule_version: rule.version,
    built_in: rule.built_in,
    seller_id: rule.seller_id,
    priority: rule.priority,
    release_when_unmatched: rule.release_when_unmatched,
    actions: rule.actions,
    matched: matchedFacts(result.conditions),
  };
}

/**
 * The leaf conditions that made the rule fire, with the order's value: leaves that held (or,
 * under a `not`, that did not). Leaves an `any` never reached are left out.
 */
export function matchedFacts(node: unknown, positive = true, out: MatchedFact[] = []): MatchedFact[] {
  const n = node as Record<string, unknown>;
  if (Array.isArray(n.all) || Array.isArray(n.any)) {
    for (const child of (n.all ?? n.any) as unknown[]) matchedFacts(child, positive, out);
  } else if (n.not) {
    matchedFacts(n.not, !positive, out);
  } else if (typeof n.fact === 'string' && n.result === positive) {
    out.push({
      fact: n.fact,
      operator: n.operator as string,
      value: n.value,
      fact_value: n.factResult ?? null,
      ...(n.params ? { params: n.params as Record<string, unknown> } : {}),
    });
  }
  return out;
}
