// Runs dynalite (DynamoDB emulator, in memory) on the given port until killed.
import dynalite from 'dynalite';

const port = Number(process.argv[2] ?? 4567);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(port, '127.0.0.1', () => console.log(`dynalite listening on 127.0.0.1:${port}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
