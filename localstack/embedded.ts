import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import type { Config } from '../configs/config.js';

/**
 * The embedded local stack for machines without Docker: FerretDB (through our Go launcher, which
 * gates its writes: docs/adr/0005), redis-server, fauxqs and dynalite. Each part is started only
 * when nothing answers on its port (so a second run, or a stack started by hand, is reused:
 * idempotent), as a detached process whose log and pid live under `localstack.data_dir`; a
 * launcher this directory started from older sources is restarted. Anything the environment
 * already points elsewhere is not started at all.
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
  const port = config.ferretdb_port;
  const binary = ensureLauncherBuilt(log);
  if (await isPortOpen(port)) {
    const running = await runningServer(port);
    const current = fileHash(binary);
    if (running.build === current) return log(`ferretdb: using the launcher on 127.0.0.1:${port}`);
    if (running.kind === 'mongodb') return log(`ferretdb: using the MongoDB that answers on 127.0.0.1:${port}`);
    const pid = ownLauncherPid(dataDir, port);
    if (pid === null) {
      // Not ours to stop (another checkout's, or started by hand): say so rather than reuse it silently.
      const what = running.build ? `launcher build ${running.build.slice(0, 12)}` : running.kind === 'ferretdb' ? 'FerretDB without the write gate (its single-document writes are not atomic)' : 'a server that does not answer buildInfo';
      return log(`ferretdb: WARNING: 127.0.0.1:${port} answers with ${what}, not the current launcher build ${current.slice(0, 12)}; stop it to run the current one`);
    }
    log(`ferretdb: restarting the launcher on 127.0.0.1:${port} (build ${running.build?.slice(0, 12) ?? 'without the gate'} is outdated)`);
    await stopProcess(pid, port);
  }
  const backend = config.ferretdb_backend === 'auto' ? ((await isPortOpen(postgresPort(config.postgresql_url))) ? 'postgresql' : 'sqlite') : config.ferretdb_backend;
  const args = ['-listen-addr', `127.0.0.1:${port}`, '-handler', backend];
  if (backend === 'sqlite') {
    const dir = join(dataDir, 'ferretdb-sqlite');
    mkdirSync(dir, { recursive: true });
    args.push('-sqlite-url', `file:${dir}/`);
  } else {
    ensurePostgresDatabase(config.postgresql_url, log);
    args.push('-postgresql-url', config.postgresql_url);
  }
  const logFile = startDetached('ferretdb', binary, args, dataDir);
  await waitForPort('ferretdb', port, logFile);
  log(`ferretdb: started on 127.0.0.1:${port} (${backend} backend, writes gated)`);
}

const LAUNCHER_DIR = join(PROJECT_ROOT, 'localstack', 'ferretdb');

/** Builds the launcher when it is missing or any of its sources is newer; returns its path. */
function ensureLauncherBuilt(log: Log): string {
  const binary = join(LAUNCHER_DIR, 'ferretdb-launcher');
  const built = existsSync(binary) ? statSync(binary).mtimeMs : -1;
  const sources = readdirSync(LAUNCHER_DIR).filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum');
  if (built >= 0 && sources.every((f) => statSync(join(LAUNCHER_DIR, f)).mtimeMs <= built)) return binary;
  log(built < 0 ? 'ferretdb: building the launcher (go build, first run only)...' : 'ferretdb: rebuilding the launcher (its sources changed)...');
  const build = spawnSync('go', ['build', '-o', 'ferretdb-launcher', '.'], { cwd: LAUNCHER_DIR, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('could not build localstack/ferretdb (is Go installed and the module proxy reachable?)');
  // go build leaves an up-to-date binary untouched; its time says "checked against these sources".
  const now = new Date();
  utimesSync(binary, now, now);
  return binary;
}

interface RunningServer {
  kind: 'ferretdb' | 'mongodb' | 'unknown';
  /** The launcher names its build (the SHA-256 of its binary) in buildInfo. */
  build: string | null;
}

async function runningServer(port: number): Promise<RunningServer> {
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { directConnection: true, serverSelectionTimeoutMS: 3000 });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    return { kind: typeof info.ferretdbVersion === 'string' ? 'ferretdb' : 'mongodb', build: typeof info.omsGateBuild === 'string' ? info.omsGateBuild : null };
  } catch {
    return { kind: 'unknown', build: null };
  } finally {
    await client.close().catch(() => undefined);
  }
}

function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The pid of the launcher this data directory started on `port`, if that process still runs. */
function ownLauncherPid(dataDir: string, port: number): number | null {
  const pidFile = join(dataDir, 'ferretdb.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  // A recycled pid must not get a SIGTERM: on Linux, check it is still our launcher on that port.
  const cmdline = `/proc/${pid}/cmdline`;
  if (existsSync(cmdline)) {
    const args = readFileSync(cmdline, 'utf8').split('\0');
    if (!args[0]?.endsWith('ferretdb-launcher') || !args.includes(`127.0.0.1:${port}`)) return null;
  }
  return pid;
}

async function stopProcess(pid: number, port: number, timeoutMs = 15_000): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (await isPortOpen(port)) {
    if (Date.now() > deadline) throw new Error(`the old launcher (pid ${pid}) still listens on ${port} after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The launcher binary, (re)built when its sources changed. Also used by the per-order bench. */
export function ferretDbLauncher(log: Log): string {
  return ensureLauncherBuilt(log);
}

export function postgresPort(url: string): number {
  return Number(new URL(url).port || 5432);
}

/** The backend database (created when missing), with the GIN indexes FerretDB 1.x can use (gin-twins.sql). */
export function ensurePostgresDatabase(url: string, log: Log): void {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '') || 'ferretdb';
  // pool_max_conns and the like are for FerretDB's driver; psql (libpq) refuses them.
  const plain = new URL(url);
  plain.search = '';
  const admin = new URL(plain);
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
  const twins = spawnSync('psql', [plain.toString(), '-v', 'ON_ERROR_STOP=1', '-v', `dbname=${db}`, '-q', '-f', sql], { encoding: 'utf8' });
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
