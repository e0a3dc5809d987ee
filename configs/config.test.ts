import assert from 'node:assert/strict';
import { ConfigError, explicitEndpoints, loadConfig, withOverrides } from './config.js';

describe('configs: defaults, environment overrides, validation', () => {
  it('loads the defaults file into a typed, deeply frozen object', () => {
    const config = loadConfig({});
    assert.equal(config.server.port, 8082);
    assert.equal(config.workers.create_order.worker_count, 2);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.workers.create_order));
  });

  it('honours the usual variables and OMS_<SECTION>__<KEY> overrides, with types', () => {
    const config = loadConfig({
      PORT: '9000',
      MONGODB_URI: 'mongodb://db:27017',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
      NEW_RELIC_ENABLED: 'true',
      OMS_WORKERS__CREATE_ORDER__WORKER_COUNT: '4',
      OMS_HUB__PROXIMITY_WEIGHT: '0.5',
      OMS_ORDER__SHIP_BY_SLA_HOURS: '24',
    });
    assert.equal(config.order.ship_by_sla_hours, 24);
    assert.equal(config.server.port, 9000);
    assert.equal(config.mongodb.uri, 'mongodb://db:27017');
    assert.equal(config.aws.sqs.endpoint, 'http://127.0.0.1:4566');
    assert.equal(config.newrelic.enabled, true);
    assert.equal(config.workers.create_order.worker_count, 4);
    assert.equal(config.hub.proximity_weight, 0.5);
  });

  it('stops with a message naming every bad key', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', REDIS_URL: 'localhost:6379', OMS_WORKERS__NOPE__X: '1', NEW_RELIC_ENABLED: 'maybe' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /PORT: expected a number/);
        assert.match(err.message, /NEW_RELIC_ENABLED: expected true or false/);
        assert.match(err.message, /OMS_WORKERS__NOPE__X: unknown configuration key "workers\.nope\.x"/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ REDIS_URL: 'localhost:6379' }), /redis\.url: must be a redis:\/\/ URL/);
    assert.throws(() => loadConfig({ OMS_WORKERS__SHIPMENT__WORKER_COUNT: '0' }), /workers\.shipment\.worker_count/);
    assert.throws(() => loadConfig({ OMS_ORDER__SHIP_BY_SLA_HOURS: '0' }), /order\.ship_by_sla_hours/);
  });

  it('derives copies with overrides and still validates them', () => {
    const base = loadConfig({});
    const copy = withOverrides(base, { 'server.port': 0 });
    assert.equal(copy.server.port, 0);
    assert.equal(base.server.port, 8082);
    assert.throws(() => withOverrides(base, { 'server.port': -1 }));
  });

  it('tells which stores the environment names, so dev mode starts only the others', () => {
    assert.deepEqual(explicitEndpoints({ MONGODB_URI: 'mongodb://x', AWS_ENDPOINT_URL: 'http://ls:4566' }), {
      mongo: true,
      redis: false,
      sqs: true,
      dynamo: true,
      pusher: false,
    });
  });
});
