import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { RawEventMessage, RawEventPublisher } from './raw-event-publisher.js';

interface Pending {
  message: RawEventMessage;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface KafkaPublisherOptions {
  topic: string;
  /** Most records in one produce request. */
  maxBatchRecords?: number;
  /** Requests beyond this many queued records are refused at once (back-pressure, then 503). */
  maxQueuedRecords?: number;
  logger: Logger;
}

/**
 * An idempotent kafkajs producer (acks=-1, one request in flight) that batches: while one produce
 * request is in flight, newly arriving records queue up and go out together in the next request.
 * Under load that yields large batches with no added latency when idle (kafkajs has no linger).
 * A failed request fails every record in it; the producer is then replaced, since kafkajs's
 * idempotent sequence state is not trustworthy after an error.
 */
export class KafkaRawEventPublisher implements RawEventPublisher {
  private producer: Producer;
  private connected = false;
  private queue: Pending[] = [];
  private sending: Promise<void> | null = null;
  private closed = false;
  private readonly maxBatchRecords: number;
  private readonly maxQueuedRecords: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaPublisherOptions,
  ) {
    this.maxBatchRecords = options.maxBatchRecords ?? 1000;
    this.maxQueuedRecords = options.maxQueuedRecords ?? 20_000;
    this.producer = this.createProducer();
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  isConnected(): boolean {
    return this.connected;
  }

  publish(message: RawEventMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error('publisher is closed'));
    if (this.queue.length >= this.maxQueuedRecords) {
      return Promise.reject(new Error(`publish queue full (${this.maxQueuedRecords} records)`));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      void this.drain();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
    await this.producer.disconnect();
  }

  /** Sends queued records, one request at a time; concurrent callers share the same drain. */
  private drain(): Promise<void> {
    this.sending ??= (async () => {
      try {
        while (this.queue.length > 0) {
          const batch = this.queue.splice(0, this.maxBatchRecords);
          await this.send(batch);
        }
      } finally {
        this.sending = null;
      }
    })();
    return this.sending;
  }

  private async send(batch: Pending[]): Promise<void> {
    try {
      await this.producer.send({
        topic: this.options.topic,
        acks: -1,
        compression: CompressionTypes.None,
        messages: batch.map(({ message }) => ({
          key: message.key,
          value: message.value,
          headers: message.headers,
          timestamp: String(message.timestamp),
        })),
      });
      for (const pending of batch) pending.resolve();
    } catch (error) {
      this.options.logger.error(
        { err: error, records: batch.length },
        'kafka produce failed; replacing producer',
      );
      for (const pending of batch) pending.reject(error as Error);
      await this.replaceProducer();
    }
  }

  private async replaceProducer(): Promise<void> {
    const broken = this.producer;
    // Not connected until the new producer says so (its CONNECT event): a failed reconnect must
    // not leave the old producer's flag standing.
    this.connected = false;
    this.producer = this.createProducer();
    await broken.disconnect().catch(() => undefined);
    await this.producer.connect().catch((error: unknown) => {
      this.options.logger.warn({ err: error }, 'kafka producer reconnect failed; will retry on next publish');
    });
  }

  private createProducer(): Producer {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Bounded so a dead broker fails the request (then 503 and an Allo retry) instead of
      // hanging forever; the gateway's ack deadline is the real bound seen by Allo.
      retry: { retries: 6, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    producer.on(producer.events.CONNECT, () => {
      this.connected = true;
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (this.producer === producer) this.connected = false;
    });
    return producer;
  }
}
