// Runs fauxqs (SQS emulator) on the given port until killed. Used by localstack/embedded.ts.
import { startFauxqs } from 'fauxqs';

const port = Number(process.argv[2] ?? 4566);
const server = await startFauxqs({ port, host: '127.0.0.1', logger: false });
console.log(`fauxqs listening on ${server.address}`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.stop().finally(() => process.exit(0)));
