// The peer for the gateway benchmark: what a user would write by hand. node:http, Standard
// Webhooks verification with node:crypto, then one kafkajs producer.send per request (acks=-1,
// idempotent, one request in flight), replying 200 only after Kafka's acknowledgement.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { Kafka, logLevel } from 'kafkajs';

const secret = Buffer.from((process.env.ALLO_WEBHOOK_SECRET ?? '').replace(/^whsec_/, ''), 'base64');
const kafka = new Kafka({
  clientId: 'bench-hand-written',
  brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
  logLevel: logLevel.ERROR,
});
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();

function verified(headers, body) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${id}.${timestamp}.`).update(body).digest();
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    const given = Buffer.from(value ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const server = createServer((req, res) => {
  if (req.url === '/healthz') return res.end('{"status":"ok"}');
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    if (!verified(req.headers, body)) {
      res.writeHead(401).end();
      return;
    }
    try {
      const event = JSON.parse(body.toString('utf8'));
      await producer.send({
        topic: process.env.RAW_TOPIC,
        acks: -1,
        messages: [
          { key: event?.data?.id ?? null, value: body, headers: { 'webhook-id': req.headers['webhook-id'] } },
        ],
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
    } catch {
      res.writeHead(503).end();
    }
  });
});
server.listen(Number(process.env.GATEWAY_PORT ?? 8098), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  void producer.disconnect().finally(() => process.exit(0));
});
