import type { DomainModule } from '../platform/module.js';
import type { Platform } from '../platform/platform.js';
import type { TenancyModule } from '../tenant/tenant.module.js';
import { RuleBook } from './rule-book.js';
import { registerRuleRoutes } from './rule.controller.js';
import { RuleDryRun } from './rule-dry-run.js';
import { RuleOrderReader } from './rule-order.reader.js';
import { RULE_INDEXES, RuleRepository } from './rule.repository.js';
import { RuleService } from './rule.service.js';

/** Rules per tenant and seller: managed here, applied by orders (create, edit) and routing (holds, hubs). */
export interface RulesModule extends DomainModule {
  book: RuleBook;
  service: RuleService;
}

export function buildRulesModule(platform: Platform, deps: { tenancy: TenancyModule }): RulesModule {
  const db = platform.mongo.db;
  const { tenants } = deps.tenancy;
  const repo = new RuleRepository(db);
  const book = new RuleBook(repo, tenants, platform.metrics);
  const service = new RuleService(repo, book, tenants);
  const dryRun = new RuleDryRun(service, new RuleOrderReader(db), tenants);
  return {
    name: 'rules',
    book,
    service,
    indexes: RULE_INDEXES,
    routes: (groups) => registerRuleRoutes(groups, service, dryRun),
  };
}
