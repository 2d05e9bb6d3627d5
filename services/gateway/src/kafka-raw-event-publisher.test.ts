import { describe, expect, it } from '@jest/globals';
import type { Kafka, Producer, ProducerRecord } from 'kafkajs';
import { pino } from 'pino';
import { KafkaRawEventPublisher } from './kafka-raw-event-publisher.js';
import type { RawEventMessage } from './raw-event-publisher.js';

/** A broker that is up or down; every producer made from it connects and sends only while up. */
class FakeBroker {
  up = true;
  readonly requests: number[] = [];
  producers = 0;

  producerFactory(): Pick<Kafka, 'producer'> {
    return { producer: () => this.producer() };
  }

  /** Like kafkajs's: CONNECT once connected, DISCONNECT only after disconnect(). */
  private producer(): Producer {
    this.producers += 1;
    let connected = false;
    const listeners = new Map<string, () => void>();
    const unreachable = () => Promise.reject(new Error('Connection error: connect ECONNREFUSED'));
    const fake = {
      events: { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' },
      on: (event: string, listener: () => void) => listeners.set(event, listener),
      connect: async () => {
        if (!this.up) return unreachable();
        connected = true;
        listeners.get('producer.connect')?.();
      },
      disconnect: async () => {
        await Promise.resolve();
        connected = false;
        listeners.get('producer.disconnect')?.();
      },
      send: (record: ProducerRecord) => {
        if (!connected) return Promise.reject(new Error('The producer is disconnected'));
        if (!this.up) return unreachable();
        this.requests.push(record.messages.length);
        return Promise.resolve([]);
      },
    };
    return fake as unknown as Producer;
  }
}

const message = (bytes = 10): RawEventMessage => ({
  key: 'k',
  value: Buffer.alloc(bytes),
  headers: {},
  timestamp: 0,
});

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function publisherOn(broker: FakeBroker, maxBatchBytes?: number): KafkaRawEventPublisher {
  return new KafkaRawEventPublisher(broker.producerFactory(), {
    topic: 'raw',
    logger: pino({ level: 'silent' }),
    reconnectDelayMs: 10,
    ...(maxBatchBytes === undefined ? {} : { maxBatchBytes }),
  });
}

describe('KafkaRawEventPublisher', () => {
  it('says it is not connected after a failed request, and reconnects by itself once Kafka is back', async () => {
    const broker = new FakeBroker();
    const publisher = publisherOn(broker);
    await publisher.connect();
    expect(publisher.isConnected()).toBe(true);
    broker.up = false;
    await expect(publisher.publish(message())).rejects.toThrow('ECONNREFUSED');
    expect(publisher.isConnected()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(publisher.isConnected()).toBe(false);
    broker.up = true;
    // No publish in between: a gateway out of rotation for not being ready gets none.
    await until(() => publisher.isConnected());
    await publisher.publish(message());
    expect(broker.requests).toEqual([1]);
    await publisher.close();
    expect(publisher.isConnected()).toBe(false);
  });

  it('fails a publish without a produce request while it cannot connect', async () => {
    const broker = new FakeBroker();
    const publisher = publisherOn(broker);
    await publisher.connect();
    broker.up = false;
    await expect(publisher.publish(message())).rejects.toThrow();
    await expect(publisher.publish(message())).rejects.toThrow('not connected');
    expect(broker.requests).toEqual([]);
    await publisher.close().catch(() => undefined);
  });

  it('splits what is queued into requests within maxBatchBytes', async () => {
    const broker = new FakeBroker();
    const publisher = publisherOn(broker, 250_000);
    await publisher.connect();
    await Promise.all(Array.from({ length: 5 }, () => publisher.publish(message(100_000))));
    // The first goes alone (nothing queued yet); the four queued behind it go two by two.
    expect(broker.requests).toEqual([1, 2, 2]);
    await publisher.close();
  });
});
