import { Socket } from 'node:net';

/** True when KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL are all set and accept connections. */
export async function isStackEnvReachable(env: NodeJS.ProcessEnv): Promise<boolean> {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL } = env;
  if (!KAFKA_BROKERS || !SCHEMA_REGISTRY_URL || !DATABASE_URL) return false;
  const broker = KAFKA_BROKERS.split(',')[0] ?? '';
  const [host = '127.0.0.1', port = '9092'] = broker.split(':');
  const checks = [
    canConnect(host, Number(port)),
    canConnect(new URL(SCHEMA_REGISTRY_URL).hostname, Number(new URL(SCHEMA_REGISTRY_URL).port || 80)),
    canConnect(new URL(DATABASE_URL).hostname, Number(new URL(DATABASE_URL).port || 5432)),
  ];
  return (await Promise.all(checks)).every(Boolean);
}

/** Whether a TCP connection to host:port opens within the timeout. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}
