import { MongoClient, type Db, type IndexDescription } from 'mongodb';
import type { Counter } from 'prom-client';
import type { Config } from '../../configs/config.js';
import { AppError } from '../domain/errors.js';

export interface Mongo {
  client: MongoClient;
  db: Db;
  /**
   * The server indexes an array field element by element (a multikey index), as MongoDB does.
   * FerretDB 1.x, the local store, does not (see PlannedIndex.array).
   */
  multikeyIndexes: boolean;
  close(): Promise<void>;
}

/** `commands` counts every command the driver sends (command monitoring: one event per command). */
export async function connectMongo(config: Config['mongodb'], commands?: Counter<'command' | 'collection'>): Promise<Mongo> {
  const client = new MongoClient(config.uri, {
    maxPoolSize: config.max_pool_size,
    minPoolSize: config.min_pool_size,
    serverSelectionTimeoutMS: config.server_selection_timeout_ms,
    // FerretDB 1.x does not implement retryable writes; MongoDB keeps its default behaviour
    // for everything we rely on (single-document conditional updates).
    retryWrites: false,
    monitorCommands: commands !== undefined,
  });
  const db = client.db(config.database);
  let multikeyIndexes: boolean;
  if (commands) client.on('commandStarted', (event) => commands.inc({ command: event.commandName, collection: collectionOf(event.commandName, event.command) }));
  try {
    await client.connect();
    await db.command({ ping: 1 });
    multikeyIndexes = await hasMultikeyIndexes(db);
  } catch (err) {
    await client.close().catch(() => undefined);
    throw AppError.unavailable(`MongoDB at ${redactUri(config.uri)}`, err);
  }
  return { client, db, multikeyIndexes, close: () => client.close() };
}

/**
 * The collection a command names (`{find: 'orders'}` → `orders`), for the per-collection counts;
 * getMore names it apart; commands on the database itself (ping, buildInfo) count as `-`.
 */
function collectionOf(commandName: string, command: Record<string, unknown>): string {
  if (commandName === 'getMore') return typeof command.collection === 'string' ? command.collection : '-';
  const target = command[commandName];
  return typeof target === 'string' ? target : '-';
}

/** FerretDB 1.x names itself in buildInfo; every MongoDB has multikey indexes. */
async function hasMultikeyIndexes(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion !== 'string';
}

export interface PlannedIndex extends IndexDescription {
  /**
   * Indexes a field that holds an array of unbounded length (a multikey index on MongoDB).
   * A server without multikey indexes (FerretDB 1.x on PostgreSQL) stores the whole array as one
   * btree value, and every write of a document whose array passes 2,704 bytes then fails (seen
   * with about 100 holds on one stock row); its filters cannot use that index anyway. Such
   * indexes are made only where the server has multikey indexes.
   */
  array?: boolean;
  /**
   * The name of an index this one replaces (a changed key or uniqueness): dropped at start once
   * this one exists, if it is there, so a database made by an older version is migrated; a
   * database that never had it, or a second start, drops nothing.
   */
  replaces?: string;
}

/**
 * Index definitions, collected from every repository and created at start. Each one serving a
 * query begins with tenant_id (DESIGN.md, Tenancy).
 */
export type IndexPlan = Record<string, PlannedIndex[]>;

export async function ensureIndexes(db: Db, plan: IndexPlan, options: { multikeyIndexes: boolean }): Promise<void> {
  for (const [collection, planned] of Object.entries(plan)) {
    for (const index of planned) {
      const first = Object.keys(index.key)[0];
      if (first !== 'tenant_id') throw new Error(`index ${index.name ?? ''} on ${collection} must start with tenant_id`);
    }
    // One index per call: FerretDB 1.24 drops the connection (a panic: "slice bounds out of
    // range") on a createIndexes of two or more indexes that all exist already, i.e. on every
    // start after the first against the same database. One at a time is the same on MongoDB.
    for (const { array, replaces, ...index } of planned) {
      if (!array || options.multikeyIndexes) await db.collection(collection).createIndexes([index]);
      if (replaces) await dropIndexIfPresent(db, collection, replaces);
    }
  }
}

/** Drops an index by name when it exists; a concurrent start that dropped it first is fine. */
async function dropIndexIfPresent(db: Db, collection: string, name: string): Promise<void> {
  const existing = await db.collection(collection).listIndexes().toArray().catch((err: unknown) => {
    // A collection that does not exist yet has no indexes to migrate.
    if ((err as { code?: unknown }).code === NAMESPACE_NOT_FOUND) return [];
    throw err;
  });
  if (!existing.some((i) => i.name === name)) return;
  try {
    await db.collection(collection).dropIndex(name);
  } catch (err) {
    if ((err as { code?: unknown }).code !== INDEX_NOT_FOUND) throw err;
  }
}

const NAMESPACE_NOT_FOUND = 26;
const INDEX_NOT_FOUND = 27;

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}
