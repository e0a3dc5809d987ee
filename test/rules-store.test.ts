import assert from 'node:assert/strict';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { Metrics } from '../core/platform/metrics.js';
import { RuleBook } from '../core/rules/rule-book.js';
import { RuleRepository, setKey } from '../core/rules/rule.repository.js';
import { RuleService } from '../core/rules/rule.service.js';
import type { RuleSet } from '../core/rules/rule.types.js';
import { createTenant } from './support/api.js';
import { getStack } from './support/stack.js';
import { orderBody } from './stock-support.js';

function db() {
  return getStack().oms.container.platform.mongo.db;
}

function set(tenantId: string, version: number, change: string): RuleSet {
  return { tenant_id: tenantId, seller_id: null, version, rules: [], built_ins: {}, at: new Date(), author: { actor: 'internal', seller_id: null }, change };
}

const tagAll = { name: 'tag all', conditions: { all: [{ fact: 'total', operator: 'greaterThanInclusive', value: 0 }] }, actions: [{ type: 'add_tags', tags: ['seen'] }] };

describe('rules: store and cache', () => {
  it('a change commits against the version it read: a racing writer loses and leaves no version behind', async () => {
    const t = await createTenant();
    const scope = tenantScope(t.tenantId);
    const repo = new RuleRepository(db());
    assert.equal(await repo.commit(scope, null, set(t.tenantId, 1, 'first')), true);
    assert.equal(await repo.commit(scope, null, set(t.tenantId, 1, 'racing first')), false);
    const v1 = (await repo.head(scope, null))!;
    assert.equal(v1.change, 'first');
    assert.equal(await repo.commit(scope, v1, set(t.tenantId, 2, 'winner')), true);
    assert.equal(await repo.commit(scope, v1, set(t.tenantId, 2, 'loser')), false);
    assert.deepEqual((await repo.listVersions(scope, null, 2)).map((v) => [v.version, v.change]), [[2, 'winner'], [1, 'first']]);

    // Through the service, two concurrent changes of the same set: one wins, the other is a 409 to retry.
    const service = getStack().oms.container.rules.service;
    const author = { actor: 'internal' as const, seller_id: null };
    const results = await Promise.allSettled([1, 2, 3].map((i) => service.create({ ...scope, sellerId: null }, { ...tagAll, name: `r${i}` }, author)));
    const lost = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code);
    assert.ok(lost.every((c) => c === 'version_conflict'), lost.join());
    const head = await repo.head(scope, null);
    assert.equal(head!.rules.length, 3 - lost.length);
    assert.equal(head!.version, 2 + 3 - lost.length);
  });

  it('a crash between the head and its version copy: the head is still readable as that version, and the next change writes the copy', async () => {
    const t = await createTenant();
    const scope = tenantScope(t.tenantId);
    const rules = getStack().oms.container.rules.service;
    const author = { actor: 'internal' as const, seller_id: null };
    await rules.create({ ...scope, sellerId: null }, tagAll, author);
    // The state a process killed after the head write leaves: head at 2, no copy of 2.
    const head = (await new RuleRepository(db()).head(scope, null))!;
    await db().collection('rule_sets').replaceOne({ _id: setKey(scope, null) as never }, { ...head, version: 2, change: 'crashed' });
    const listed = await rules.versions({ ...scope, sellerId: null });
    assert.deepEqual(listed.map((v) => [v.version, v.change]), [[2, 'crashed'], [1, 'created tag all']]);
    assert.equal((await rules.version({ ...scope, sellerId: null }, 2)).change, 'crashed');
    await rules.create({ ...scope, sellerId: null }, { ...tagAll, name: 'second' }, author);
    assert.equal((await new RuleRepository(db()).version(scope, null, 2))?.change, 'crashed');
    assert.deepEqual((await rules.versions({ ...scope, sellerId: null })).map((v) => v.version), [3, 2, 1]);
  });

  it('evaluates from the cache: no store read per order while warm; a change is seen at once', async () => {
    const t = await createTenant();
    const scope = tenantScope(t.tenantId);
    const repo = new RuleRepository(db());
    let reads = 0;
    const counting = new Proxy(repo, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === 'headsFor') return (...args: unknown[]) => ((reads += 1), value.apply(target, args));
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    // Settings held still: a reload of the tenant settings (their own 5 s cache) would rightly recompile.
    const real = getStack().oms.container.tenancy.tenants;
    const fixed = real.defaultSettings();
    const tenants = { settings: async () => fixed, requireTenant: (s: typeof scope) => real.requireTenant(s) };
    const book = new RuleBook(counting, tenants, new Metrics(false), 60_000);
    const service = new RuleService(repo, book, tenants);
    const order = { ...orderBody([['SKU-1', 1]]), seller_id: t.sellerId, created_at: new Date(), tags: [] } as never;
    for (let i = 0; i < 20; i++) assert.deepEqual((await book.outcome(scope, order)).fired, []);
    assert.equal(reads, 1);
    await service.create({ ...scope, sellerId: null }, tagAll, { actor: 'internal', seller_id: null });
    assert.deepEqual((await book.outcome(scope, order)).tags, ['seen']);
    for (let i = 0; i < 20; i++) await book.outcome(scope, order);
    assert.equal(reads, 2);
  });
});
