import { AppError } from '../domain/errors.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import { newId } from '../platform/ids.js';
import type { TenantSettings } from '../tenant/tenant.types.js';
import { BUILT_IN_IDS, builtInPriority, builtInRules, type BuiltInView } from './built-in-rules.js';
import { compileRules, type RuleBook } from './rule-book.js';
import { BuiltInBody, parseRule } from './rule.schemas.js';
import { conflict, type RuleRepository } from './rule.repository.js';
import type { Author, Rule, RuleInput, RuleSet } from './rule.types.js';
import { parseInput } from '../domain/validation.js';

/** Whose rules: the tenant's (sellerId null) or one seller's. */
export interface RuleScope extends TenantScope {
  readonly sellerId: string | null;
}

export interface RuleList {
  version: number;
  rules: Rule[];
  /** Tenant-wide lists: the built-in rules, each with whether it runs and the setting behind it. */
  built_ins?: BuiltInView[];
}

const MAX_RULES = 100;

/**
 * Managing rules: every change makes a new version of the scope's rule set, with its author,
 * time and what changed; older versions stay readable and a rollback makes an old version the
 * newest again. Every change invalidates this process's compiled rules of the tenant.
 */
export class RuleService {
  constructor(
    private readonly repo: RuleRepository,
    private readonly book: RuleBook,
    private readonly tenants: { settings(scope: TenantScope): Promise<TenantSettings>; requireTenant(scope: TenantScope): Promise<unknown> },
  ) {}

  async list(scope: RuleScope): Promise<RuleList> {
    const head = await this.head(scope);
    const list: RuleList = { version: head?.version ?? 0, rules: head?.rules ?? [] };
    if (scope.sellerId === null) list.built_ins = builtInRules(await this.tenants.settings(scope), head?.built_ins ?? {});
    return list;
  }

  async get(scope: RuleScope, ruleId: string): Promise<Rule> {
    const { rules, built_ins: builtIns } = await this.list(scope);
    const rule = rules.find((r) => r.id === ruleId) ?? builtIns?.find((r) => r.id === ruleId);
    if (!rule) throw AppError.notFound('rule', ruleId);
    return rule;
  }

  async create(scope: RuleScope, raw: unknown, author: Author): Promise<Rule> {
    const input = parseRule(raw);
    let created: Rule | null = null;
    await this.mutate(scope, author, `created ${input.name}`, (set, version) => {
      if (set.rules.length >= MAX_RULES) throw new AppError('conflict', `a rule set holds at most ${MAX_RULES} rules`, { limit: MAX_RULES });
      assertUniqueName(set, input.name, null);
      created = { ...input, id: newId('rul'), version, built_in: false, seller_id: scope.sellerId };
      return { ...set, rules: [...set.rules, created] };
    });
    return created!;
  }

  /** Replaces a rule; a built-in one only takes {enabled, priority}. */
  async update(scope: RuleScope, ruleId: string, raw: unknown, author: Author): Promise<Rule> {
    if (scope.sellerId === null && BUILT_IN_IDS.includes(ruleId)) {
      const body = parseInput(BuiltInBody, raw);
      await this.mutate(scope, author, `${body.enabled ? 'enabled' : 'disabled'} built-in ${ruleId}`, (set, version) => {
        const priority = body.priority ?? set.built_ins[ruleId]?.priority ?? builtInPriority(ruleId);
        return { ...set, built_ins: { ...set.built_ins, [ruleId]: { enabled: body.enabled, priority, version } } };
      });
      return this.get(scope, ruleId);
    }
    const input = parseRule(raw);
    let updated: Rule | null = null;
    await this.mutate(scope, author, `updated ${input.name}`, (set, version) => {
      const existing = set.rules.find((r) => r.id === ruleId);
      if (!existing) throw AppError.notFound('rule', ruleId);
      assertUniqueName(set, input.name, ruleId);
      updated = { ...existing, ...input, version };
      return { ...set, rules: set.rules.map((r) => (r.id === ruleId ? updated! : r)) };
    });
    return updated!;
  }

  async remove(scope: RuleScope, ruleId: string, author: Author): Promise<{ version: number }> {
    if (BUILT_IN_IDS.includes(ruleId)) throw new AppError('conflict', 'a built-in rule cannot be deleted; disable it instead', { rule_id: ruleId });
    const name = (base: RuleSet) => `deleted ${base.rules.find((r) => r.id === ruleId)?.name ?? ruleId}`;
    const set = await this.mutate(scope, author, name, (current) => {
      if (!current.rules.some((r) => r.id === ruleId)) throw AppError.notFound('rule', ruleId);
      return { ...current, rules: current.rules.filter((r) => r.id !== ruleId) };
    });
    return { version: set.version };
  }

  async versions(scope: RuleScope): Promise<Omit<RuleSet, 'rules' | 'built_ins'>[]> {
    const head = await this.head(scope);
    if (!head) return [];
    const listed = await this.repo.listVersions(scope, scope.sellerId, head.version);
    // The newest copy may be missing after a crash (see RuleRepository): the head is that version.
    if (listed[0]?.version !== head.version) listed.unshift(summary(head));
    return listed;
  }

  async version(scope: RuleScope, version: number): Promise<RuleSet> {
    const head = await this.head(scope);
    if (!head || version > head.version || version < 1) throw AppError.notFound('rule_set_version', String(version));
    if (version === head.version) return head;
    const found = await this.repo.version(scope, scope.sellerId, version);
    if (!found) throw AppError.notFound('rule_set_version', String(version));
    return found;
  }

  /** Makes version `version` the newest again (as a new version: history is never rewritten). */
  async rollback(scope: RuleScope, version: number, author: Author): Promise<RuleSet> {
    const old = await this.version(scope, version);
    return this.mutate(scope, author, `rolled back to version ${version}`, (set, next) => {
      const changed = (r: Rule) => JSON.stringify(stable(r)) !== JSON.stringify(stable(set.rules.find((x) => x.id === r.id)));
      return { ...set, rules: old.rules.map((r) => (changed(r) ? { ...r, version: next } : { ...r, version: set.rules.find((x) => x.id === r.id)!.version })), built_ins: old.built_ins };
    });
  }

  /** Rules of this scope compiled with a draft in place of the stored ones (dry runs). */
  async compiledWith(scope: RuleScope, orderSellerId: string, draft: RuleInput[] | null): Promise<{ compiled: ReturnType<typeof compileRules>; versions: { tenant: number; seller: number } }> {
    const settings = await this.tenants.settings(scope);
    const { tenant, seller } = await this.repo.headsFor(scope, orderSellerId);
    const drafted = draft?.map((r, i): Rule => ({ ...r, id: `draft_${i}`, version: 0, built_in: false, seller_id: scope.sellerId }));
    const tenantSet = scope.sellerId === null && drafted ? { rules: drafted, built_ins: tenant?.built_ins ?? {} } : tenant;
    const sellerSet = scope.sellerId !== null && drafted ? { rules: drafted } : seller;
    return { compiled: compileRules(settings, tenantSet, sellerSet), versions: { tenant: tenant?.version ?? 0, seller: seller?.version ?? 0 } };
  }

  private async head(scope: RuleScope): Promise<RuleSet | null> {
    if (scope.sellerId === null) await this.tenants.requireTenant(scope);
    return this.repo.head(scope, scope.sellerId);
  }

  private async mutate(scope: RuleScope, author: Author, change: string | ((base: RuleSet) => string), apply: (set: RuleSet, version: number) => RuleSet): Promise<RuleSet> {
    const current = await this.head(scope);
    const version = (current?.version ?? 0) + 1;
    const base: RuleSet = current ?? { tenant_id: scope.tenantId, seller_id: scope.sellerId, version: 0, rules: [], built_ins: {}, at: new Date(), author: null, change: '' };
    const next: RuleSet = {
      ...apply(base, version),
      tenant_id: scope.tenantId,
      seller_id: scope.sellerId,
      version,
      at: new Date(),
      author,
      change: typeof change === 'string' ? change : change(base),
    };
    if (!(await this.repo.commit(scope, current, next))) throw conflict();
    this.book.invalidate(scope.tenantId);
    return next;
  }
}

function assertUniqueName(set: RuleSet, name: string, exceptId: string | null): void {
  if (BUILT_IN_IDS.includes(name) || set.rules.some((r) => r.id !== exceptId && r.name.toLowerCase() === name.toLowerCase())) {
    throw new AppError('conflict', `a rule named ${name} already exists`, { field: 'name', name });
  }
}

function stable(rule: Rule | undefined): unknown {
  if (!rule) return null;
  const { version: _v, ...rest } = rule;
  return rest;
}

function summary(set: RuleSet): Omit<RuleSet, 'rules' | 'built_ins'> {
  const { rules: _r, built_ins: _b, ...rest } = set;
  return rest;
}
