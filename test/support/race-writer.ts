/**
 * One racing process for test/store-atomicity.test.ts: its own MongoClient (own connections),
 * started by the test, racing another such process on the same documents. It connects, says
 * "ready", waits for "go" on stdin so both processes start together, races, and prints what it
 * won as one JSON line.
 */
import { MongoClient } from 'mongodb';

export interface RaceSpec {
  uri: string;
  database: string;
  collection: string;
  tenant: string;
  /** Documents at version 1 to advance to `rounds + 1`, one conditional update per version. */
  versionDocs: string[];
  rounds: number;
  /** A stock document: `decrements` guarded decrements, half by _id and half by tenant and sku. */
  stockId: string;
  sku: string;
  decrements: number;
  /** Racers per document in this process. */
  racers: number;
}

export interface RaceResult {
  /** [document, version] for each version this process moved on. */
  versionWins: [string, number][];
  stockWins: number;
}

interface Doc {
  _id: string;
  tenant_id: string;
  version?: number;
  available?: number;
  sku?: string;
  winners?: string[];
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as RaceSpec;
  const client = new MongoClient(spec.uri, { retryWrites: false, maxPoolSize: spec.racers });
  await client.connect();
  const col = client.db(spec.database).collection<Doc>(spec.collection);
  // Open the pool's connections now, so the racers do not start one handshake apart.
  await Promise.all(Array.from({ length: spec.racers }, () => client.db(spec.database).command({ ping: 1 })));
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));

  const tag = `pid${process.pid}`;
  const versionWins: [string, number][] = [];
  // Each racer reads the version and tries to move it on: exactly one try per version may win.
  const advance = async (id: string): Promise<void> => {
    for (;;) {
      const current = await col.findOne({ _id: id, tenant_id: spec.tenant });
      const version = current?.version ?? Infinity;
      if (version > spec.rounds) return;
      const won = await col.findOneAndUpdate({ _id: id, tenant_id: spec.tenant, version }, { $inc: { version: 1 }, $push: { winners: tag } });
      if (won) versionWins.push([id, version]);
    }
  };
  let stockWins = 0;
  const decrement = async (i: number): Promise<void> => {
    const guard = { tenant_id: spec.tenant, available: { $gte: 1 } };
    const filter = i % 2 === 0 ? { ...guard, _id: spec.stockId } : { ...guard, sku: spec.sku };
    const res = await col.updateOne(filter, { $inc: { available: -1 } });
    stockWins += res.modifiedCount;
  };
  await Promise.all([
    ...spec.versionDocs.flatMap((id) => Array.from({ length: spec.racers }, () => advance(id))),
    ...Array.from({ length: spec.decrements }, (_, i) => decrement(i)),
  ]);
  process.stdout.write(`${JSON.stringify({ versionWins, stockWins } satisfies RaceResult)}\n`);
  await client.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
