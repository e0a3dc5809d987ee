// A TCP front for the SQS emulator in a chaos run: node tcp-proxy.mjs LISTEN_PORT TARGET_PORT.
// fauxqs keeps its queues in memory, so killing it would lose every message (AWS SQS does not);
// killing this front instead (kill -9: every connection reset, the port refusing) is what the OMS
// sees of an SQS outage and restart, with the queues' contents kept.
import { connect, createServer } from 'node:net';

const [listenPort, targetPort] = process.argv.slice(2).map(Number);
createServer((client) => {
  const upstream = connect(targetPort, '127.0.0.1');
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
}).listen(listenPort, '127.0.0.1');
