import { z } from 'zod';
import type { RouteGroups } from '../../router/app.js';
import { dataOf } from '../../router/openapi/schemas.js';
import type { Caller, RouteGroup } from '../../router/route-group.js';
import type { RuleDryRun } from './rule-dry-run.js';
import { DryRunBody } from './rule-dry-run.js';
import { AnyData, DryRunView, RuleSetVersionView, RuleView } from './rule.responses.js';
import { RuleBody } from './rule.schemas.js';
import type { RuleScope, RuleService } from './rule.service.js';
import type { Author } from './rule.types.js';

const TAG = 'rules';
const ruleId = z.string().trim().regex(/^[A-Za-z0-9_]{1,64}$/, 'a rule id');
const version = z.coerce.number().int().min(1).max(1_000_000_000);

interface Door {
  group: Pick<RouteGroup, 'add'>;
  /** Path before /rules, relative to the group ('' or '/tenants/:tenant_id'). */
  base: string;
  params: z.ZodObject;
  scope(params: Record<string, unknown>, caller: Caller): RuleScope;
  what: string;
  /** In operation ids: listTenantRules, listSellerRules. */
  name: 'Tenant' | 'Seller';
}

/**
 * Rule management and dry runs, on two doors with the same routes: tenant-wide rules on the
 * internal router (/internal/api/v1/tenants/{tenant_id}/rules) and a seller's own rules on the
 * seller routers (/api/v1/sellers/{seller_id}/rules and its internal twin).
 */
export function registerRuleRoutes(groups: Pick<RouteGroups, 'internal' | 'seller'>, rules: RuleService, dryRun: RuleDryRun): void {
  const doors: Door[] = [
    {
      group: groups.internal,
      base: '/tenants/:tenant_id',
      params: z.object({ tenant_id: z.string().min(1) }),
      scope: (params) => ({ tenantId: String(params.tenant_id), sellerId: null }),
      what: "the tenant's rules (built-in rules included)",
      name: 'Tenant',
    },
    {
      group: groups.seller,
      base: '',
      params: z.object({ seller_id: z.string().min(1) }),
      scope: (_params, caller) => ({ tenantId: caller.scope!.tenantId, sellerId: caller.scope!.sellerId }),
      what: "the seller's own rules",
      name: 'Seller',
    },
  ];
  for (const door of doors) register(door, rules, dryRun);
}

function register(door: Door, rules: RuleService, dryRun: RuleDryRun): void {
  const { group, base, params, what, name } = door;
  const withRule = params.extend({ rule_id: ruleId });
  const withVersion = params.extend({ version });
  const scopeOf = (p: Record<string, unknown>, caller: Caller) => door.scope(p, caller);

  group.add({ method: 'get', path: `${base}/rules`, operationId: `list${name}Rules`, response: dataOf(AnyData), summary: `List ${what}`, tag: TAG, params }, async ({ params: p, caller }) => ({
    body: { data: await rules.list(scopeOf(p, caller)) },
  }));
  group.add(
    { method: 'post', path: `${base}/rules`, operationId: `create${name}Rule`, response: dataOf(RuleView), summary: `Create one of ${what} (a new version of the set)`, tag: TAG, params, body: RuleBody, status: 201, errors: { 409: 'a rule of that name exists, or the set changed meanwhile' } },
    async ({ params: p, body, caller }) => ({ status: 201, body: { data: await rules.create(scopeOf(p, caller), body, author(caller)) } }),
  );
  // Registered before /rules/:rule_id so that "versions" and "dry-run" are not taken for rule ids.
  group.add({ method: 'get', path: `${base}/rules/versions`, operationId: `list${name}RuleVersions`, response: dataOf(z.array(RuleSetVersionView)), summary: `Versions of ${what}, newest first (author, time, change)`, tag: TAG, params }, async ({ params: p, caller }) => ({
    body: { data: await rules.versions(scopeOf(p, caller)) },
  }));
  group.add({ method: 'get', path: `${base}/rules/versions/:version`, operationId: `get${name}RuleVersion`, response: dataOf(AnyData), summary: `One version of ${what}, with its rules`, tag: TAG, params: withVersion }, async ({ params: p, caller }) => ({
    body: { data: await rules.version(scopeOf(p, caller), p.version as number) },
  }));
  group.add(
    { method: 'post', path: `${base}/rules/rollback`, operationId: `rollback${name}Rules`, response: dataOf(AnyData), errors: { 409: 'conflict: the rule set changed meanwhile' }, summary: `Make an older version of ${what} the newest again`, tag: TAG, params, body: z.object({ version }).strict() },
    async ({ params: p, body, caller }) => ({ body: { data: await rules.rollback(scopeOf(p, caller), body.version, author(caller)) } }),
  );
  group.add(
    {
      method: 'post',
      path: `${base}/rules/dry-run`,
      operationId: `dryRun${name}Rules`,
      response: dataOf(DryRunView),
      summary: `Evaluate ${what} (current or a draft) against an existing order or a posted order body; writes nothing`,
      tag: TAG,
      params,
      body: DryRunBody,
    },
    async ({ params: p, body, caller }) => ({ body: { data: await dryRun.run(scopeOf(p, caller), body) } }),
  );
  group.add({ method: 'get', path: `${base}/rules/:rule_id`, operationId: `get${name}Rule`, response: dataOf(RuleView), summary: `One of ${what}`, tag: TAG, params: withRule }, async ({ params: p, caller }) => ({
    body: { data: await rules.get(scopeOf(p, caller), p.rule_id as string) },
  }));
  group.add(
    { method: 'put', path: `${base}/rules/:rule_id`, operationId: `update${name}Rule`, response: dataOf(RuleView), errors: { 409: 'conflict: the rule set changed meanwhile, or a built-in rule field that cannot change' }, summary: `Replace one of ${what} (built-in rules: {enabled, priority} only)`, tag: TAG, params: withRule },
    async ({ params: p, caller, ctx }) => ({ body: { data: await rules.update(scopeOf(p, caller), p.rule_id as string, ctx.request.body, author(caller)) } }),
  );
  group.add({ method: 'delete', path: `${base}/rules/:rule_id`, operationId: `delete${name}Rule`, response: dataOf(AnyData), errors: { 409: 'conflict: a built-in rule cannot be deleted (disable it instead), or the set changed meanwhile' }, summary: `Delete one of ${what}`, tag: TAG, params: withRule }, async ({ params: p, caller }) => ({
    body: { data: await rules.remove(scopeOf(p, caller), p.rule_id as string, author(caller)) },
  }));
}

function author(caller: Caller): Author {
  return { actor: caller.actor, seller_id: caller.scope?.sellerId ?? null };
}
