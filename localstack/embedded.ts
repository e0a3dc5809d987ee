import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../configs/config.js';

/**
 * The embedded local stack for machines without Docker: FerretDB (through our Go launcher),
 * redis-server, fauxqs and dynalite. Each part is started only when nothing answers on its port
 * (so a second run, or a stack started by hand, is reused: idempotent), as a detached process
 * whose log and pid live under `localstack.data_dir`. Anything the environment already points
 * elsewhere is not started at all.
 */
const PROJECT_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), existsSync(fileURLToPath(new URL('../package.json', import.meta.url))) ? '..' : '../..');

export interface StackNeeds {
  mongo: boolean;
  redis: boolean;
  sqs: boolean;
  dynamo: boolean;
}

export interface StackEndpoints {
  mongoUri?: string;
  redisUrl?: string;
  sqsEndpoint?: string;
  dynamoEndpoint?: string;
}

export type Log = (message: string) => void;

export async function ensureEmbeddedStack(config: Config['localstack'], needs: StackNeeds, log: Log = console.log): Promise<StackEndpoints> {
  const dataDir = resolve(PROJECT_ROOT, config.data_dir);
  mkdirSync(dataDir, { recursive: true });
  const out: StackEndpoints = {};
  const tasks: Promise<void>[] = [];
  if (needs.mongo) tasks.push(ensureFerretDb(config, dataDir, log).then(() => void (out.mongoUri = `mongodb://127.0.0.1:${config.ferretdb_port}/`)));
  if (needs.redis) tasks.push(ensureRedis(config, dataDir, log).then(() => void (out.redisUrl = `redis://127.0.0.1:${config.redis_port}/0`)));
  if (needs.sqs)
    tasks.push(ensureNodeServer('fauxqs', 'servers/fauxqs.mjs', config.sqs_port, dataDir, log).then(() => void (out.sqsEndpoint = `http://127.0.0.1:${config.sqs_port}`)));
  if (needs.dynamo)
    tasks.push(
      ensureNodeServer('dynalite', 'servers/dynalite.mjs', config.dynamodb_port, dataDir, log).then(() => void (out.dynamoEndpoint = `http://127.0.0.1:${config.dynamodb_port}`)),
    );
  await Promise.all(tasks);
  return out;
}

export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolvePort(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForPort(name: string, port: number, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isPortOpen(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not start on port ${port} within ${timeoutMs / 1000}s; see ${logFile}`);
}

function startDetached(name: string, command: string, args: string[], dataDir: string, cwd = PROJECT_ROOT): string {
  const logFile = join(dataDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  writeFileSync(join(dataDir, `${name}.pid`), String(child.pid));
  return logFile;
}

async function ensureFerretDb(config: Config['localstack'], dataDir: string, log: Log): Promise<void> {
  if (await isPortOpen(config.ferretdb_port)) return log(`ferretdb: using what answers on 127.0.0.1:${config.ferretdb_port}`);
  const binary = ferretDbLauncher(log);
  const backend = config.ferretdb_backend === 'auto' ? ((await isPortOpen(postgresPort(config.postgresql_url))) ? 'postgresql' : 'sqlite') : config.ferretdb_backend;
  const args = ['-listen-addr', `127.0.0.1:${config.ferretdb_port}`, '-handler', backend];
  if (backend === 'sqlite') {
    const dir = join(dataDir, 'ferretdb-sqlite');
    mkdirSync(dir, { recursive: true });
    args.push('-sqlite-url', `file:${dir}/`);
  } else {
    ensurePostgresDatabase(config.postgresql_url, log);
    args.push('-postgresql-url', config.postgresql_url);
  }
  const logFile = startDetached('ferretdb', binary, args, dataDir);
  await waitForPort('ferretdb', config.ferretdb_port, logFile);
  log(`ferretdb: started on 127.0.0.1:${config.ferretdb_port} (${backend} backend)`);
}

/** The launcher binary, built with `go build` on first use. Also used by the per-order bench. */
export function ferretDbLauncher(log: Log): string {
  const launcherDir = join(PROJECT_ROOT, 'localstack', 'ferretdb');
  const binary = join(launcherDir, 'ferretdb-launcher');
  if (!existsSync(binary)) {
    log('ferretdb: building the launcher (go build, first run only)...');
    const build = spawnSync('go', ['build', '-o', 'ferretdb-launcher', '.'], { cwd: launcherDir, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('could not build localstack/ferretdb (is Go installed and the module proxy reachable?)');
  }
  return binary;
}

export function postgresPort(url: string): number {
  return Number(new URL(url).port || 5432);
}

/** The backend database (created when missing), with the GIN indexes FerretDB 1.x can use (gin-twins.sql). */
export function ensurePostgresDatabase(url: string, log: Log): void {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '') || 'ferretdb';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const exists = spawnSync('psql', [admin.toString(), '-tAc', `SELECT 1 FROM pg_database WHERE datname='${db.replace(/'/g, "''")}'`], { encoding: 'utf8' });
  if (exists.status !== 0) throw new Error(`cannot reach PostgreSQL at ${parsed.host}: ${exists.stderr.trim()}`);
  if (exists.stdout.trim() !== '1') {
    spawnSync('psql', [admin.toString(), '-c', `CREATE DATABASE "${db}"`], { stdio: 'ignore' });
    // A local, disposable store: commits need not wait for the disk (several times faster here).
    spawnSync('psql', [admin.toString(), '-c', `ALTER DATABASE "${db}" SET synchronous_commit TO off`], { stdio: 'ignore' });
    log(`ferretdb: created PostgreSQL database ${db}`);
  }
  const sql = join(PROJECT_ROOT, 'localstack', 'ferretdb', 'gin-twins.sql');
  const twins = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-v', `dbname=${db}`, '-q', '-f', sql], { encoding: 'utf8' });
  if (twins.status !== 0) throw new Error(`could not install ${sql} in PostgreSQL database ${db}: ${twins.stderr.trim()}`);
}

async function ensureRedis(config: Config['localstack'], dataDir: string, log: Log): Promise<void> {
  if (await isPortOpen(config.redis_port)) return log(`redis: using what answers on 127.0.0.1:${config.redis_port}`);
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (which.status !== 0) throw new Error('redis: nothing answers on its port and redis-server is not installed (apt-get install redis-server)');
  const logFile = startDetached('redis', 'redis-server', ['--port', String(config.redis_port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], dataDir);
  await waitForPort('redis', config.redis_port, logFile);
  log(`redis: started on 127.0.0.1:${config.redis_port}`);
}

export interface ChildServer {
  url: string;
  /** Its process id (the per-order bench reads its CPU time from /proc). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * fauxqs or dynalite as a child process on a free port, for the tests and the benchmark: fresh
 * each run, off the OMS's own event loop (so the emulator's work is not counted as the OMS's),
 * and gone when this process is (it watches our end of its stdin).
 */
export async function startChildServer(name: 'fauxqs' | 'dynalite'): Promise<ChildServer> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'localstack', 'servers', `${name}.mjs`), '0', '--with-parent'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(seen);
      if (found) resolveUrl(found[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening: ${seen.trim()}`)));
    child.once('error', reject);
  });
  child.stdout.resume();
  return {
    url,
    pid: child.pid as number,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

async function ensureNodeServer(name: string, script: string, port: number, dataDir: string, log: Log): Promise<void> {
  if (await isPortOpen(port)) return log(`${name}: using what answers on 127.0.0.1:${port}`);
  const path = join(PROJECT_ROOT, 'localstack', script);
  const logFile = startDetached(name, process.execPath, [path, String(port)], dataDir);
  await waitForPort(name, port, logFile);
  log(`${name}: started on 127.0.0.1:${port}`);
}
