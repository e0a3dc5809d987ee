import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../../configs/config.js';
import { ensurePostgresDatabase, ferretDbLauncher, isPortOpen, postgresPort, startChildServer } from '../../../localstack/embedded.js';
import { PusherReceiver } from '../../../localstack/pusher-receiver.js';

/**
 * A local stack of the bench's own for one measured run: FerretDB (our launcher, on a database
 * of its own in the machine's PostgreSQL), redis-server, fauxqs and dynalite, each a child
 * process on a free port, plus a Pusher receiver in this process. Nothing else talks to them, so
 * their CPU time and the OMS's store commands are this run's alone (the shared FerretDB and Redis
 * on 27017/6379 also serve the other engineers' test runs).
 */
export interface PrivateStack {
  env: Record<string, string>;
  mongoUri: string;
  database: string;
  sqsEndpoint: string;
  /** The PostgreSQL database FerretDB keeps its data in (null on the SQLite backend). */
  postgresDatabase: string | null;
  pids: { ferretdb: number; redis: number; fauxqs: number; dynalite: number };
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until `child` listens on `port` (fails early when it exits). */
export async function waitForPort(name: string, port: number, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before listening on ${port}`);
    if (await isPortOpen(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on ${port} within ${timeoutMs / 1000}s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A throw-away redis-server on `port`: loopback only, nothing saved. */
export function spawnRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

/** The environment an OMS process needs to run on a private stack (Pusher app `{pusherApp}-app`, key and secret alike). */
export function stackEnv(s: { mongoUri: string; database: string; redisPort: number; sqsEndpoint: string; dynamoEndpoint: string; pusherApp: string; pusherPort: number }): Record<string, string> {
  return {
    MONGODB_URI: s.mongoUri,
    MONGODB_DATABASE: s.database,
    REDIS_URL: `redis://127.0.0.1:${s.redisPort}/0`,
    AWS_ENDPOINT_URL_SQS: s.sqsEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: s.dynamoEndpoint,
    PUSHER_APP_ID: `${s.pusherApp}-app`,
    PUSHER_KEY: `${s.pusherApp}-key`,
    PUSHER_SECRET: `${s.pusherApp}-secret`,
    PUSHER_HOST: '127.0.0.1',
    PUSHER_PORT: String(s.pusherPort),
  };
}

export async function startPrivateStack(log: (m: string) => void = () => undefined): Promise<PrivateStack> {
  const { localstack } = loadConfig();
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'oms-bench-'));
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const ferretPort = await freePort();
    // The shared FerretDB already holds 50 of PostgreSQL's 100 connections. With 20, FerretDB
    // hung once in the lifecycle flow with three OMS processes (all 20 idle on PostgreSQL's
    // side, its ping unanswered): raise it where PostgreSQL has room (PER_ORDER_PG_POOL=50).
    const { args, postgresDatabase, drop } = await ferretDbArgs(localstack, { port: ferretPort, database: `oms_bench_${runId}`, dir, pool: process.env.PER_ORDER_PG_POOL ?? '20', log });
    if (drop) cleanups.push(drop);
    const ferretdb = spawn(ferretDbLauncher(log), args, { stdio: 'ignore' });
    children.push(ferretdb);
    const redisPort = await freePort();
    const redis = spawnRedis(redisPort);
    children.push(redis);
    const [sqs, dynamo] = await Promise.all([startChildServer('fauxqs'), startChildServer('dynalite')]);
    cleanups.push(() => sqs.stop(), () => dynamo.stop());
    const pusher = new PusherReceiver('bench-app', 'bench-key', 'bench-secret');
    const pusherPort = await pusher.start(0);
    cleanups.push(() => pusher.stop());
    await Promise.all([waitForPort('ferretdb', ferretPort, ferretdb), waitForPort('redis-server', redisPort, redis)]);

    const mongoUri = `mongodb://127.0.0.1:${ferretPort}/`;
    const database = `oms_bench_${runId}`;
    return {
      env: stackEnv({ mongoUri, database, redisPort, sqsEndpoint: sqs.url, dynamoEndpoint: dynamo.url, pusherApp: 'bench', pusherPort }),
      mongoUri,
      database,
      sqsEndpoint: sqs.url,
      postgresDatabase,
      pids: { ferretdb: ferretdb.pid as number, redis: redis.pid as number, fauxqs: sqs.pid, dynalite: dynamo.pid },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The launcher's arguments for a private FerretDB: on a PostgreSQL database of its own (created
 * now; `drop` removes it) when PostgreSQL answers, else on SQLite files in `dir`.
 */
export async function ferretDbArgs(
  localstack: Config['localstack'],
  options: { port: number; database: string; dir: string; pool: string; log: (m: string) => void },
): Promise<{ args: string[]; postgresDatabase: string | null; drop: (() => void) | null }> {
  const args = ['-listen-addr', `127.0.0.1:${options.port}`];
  if (localstack.ferretdb_backend === 'sqlite' || !(await isPortOpen(postgresPort(localstack.postgresql_url)))) {
    return { args: [...args, '-handler', 'sqlite', '-sqlite-url', `file:${options.dir}/`], postgresDatabase: null, drop: null };
  }
  const url = new URL(localstack.postgresql_url);
  url.pathname = `/${options.database}`;
  ensurePostgresDatabase(url.toString(), options.log);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  url.searchParams.set('pool_max_conns', options.pool);
  return {
    args: [...args, '-handler', 'postgresql', '-postgresql-url', url.toString()],
    postgresDatabase: options.database,
    drop: () => void spawnSync('psql', [admin.toString(), '-qc', `DROP DATABASE IF EXISTS "${options.database}" WITH (FORCE)`], { stdio: 'ignore' }),
  };
}
