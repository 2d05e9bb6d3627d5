// Baseline for the gateway benchmark: a bare node:http server that only reads the body, verifies
// the signature with the same package and replies 200 (no Kafka, no Koa).
import { createServer } from 'node:http';
import { parseSecretList, verifyWebhook } from '@allo-pipeline/webhook-signature';

const secrets = parseSecretList(process.env.ALLO_WEBHOOK_SECRET ?? '', 'ALLO_WEBHOOK_SECRET');
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const outcome = verifyWebhook({
      body: Buffer.concat(chunks),
      headers: req.headers,
      secrets,
      now: Date.now,
    });
    res.writeHead(outcome.ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(outcome.ok ? '{"status":"accepted"}' : '{"error":{}}');
  });
});
server.listen(Number(process.env.GATEWAY_PORT ?? 8099), '127.0.0.1');
