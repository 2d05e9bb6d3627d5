// Test helper (not exported from the package): a local receiver on 127.0.0.1 with a scripted reply per request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly index: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Date.now() when the request's body had arrived. */
  readonly receivedAt: number;
}

/** How to answer one request: a status (after an optional delay), drop the connection, or never answer. */
export type Reply = { status: number; delayMs?: number } | 'drop' | 'hang';

export interface TestServer {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Highest number of requests being handled at once. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export async function startTestServer(reply: (request: ReceivedRequest) => Reply): Promise<TestServer> {
  const requests: ReceivedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        index: requests.length,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      requests.push(request);
      answer(reply(request), req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/allo`,
    requests,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(reply: Reply, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (reply === 'hang') return;
  if (reply === 'drop') {
    req.socket.destroy();
    return;
  }
  const send = () => res.writeHead(reply.status, { 'content-type': 'application/json' }).end('{}');
  if (reply.delayMs === undefined) send();
  else setTimeout(send, reply.delayMs);
}
