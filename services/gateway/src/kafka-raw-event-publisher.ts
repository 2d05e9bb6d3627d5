import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { nextBatchLength } from './produce-batch.js';
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
  /**
   * Most bytes in one produce request: the raw topic's max.message.bytes (default: Kafka's
   * default, 1048588), since the broker refuses a partition's record batch larger than that.
   */
  maxBatchBytes?: number;
  /** Requests beyond this many queued records are refused at once (back-pressure, then 503). */
  maxQueuedRecords?: number;
  /** Pause between connection attempts while the producer is not connected. */
  reconnectDelayMs?: number;
  logger: Logger;
}

/** Kafka's default max.message.bytes (1 MiB plus the 12 bytes of log overhead). */
const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 12;

/**
 * An idempotent kafkajs producer (acks=-1, one request in flight) that batches: while one produce
 * request is in flight, newly arriving records queue up and go out together in the next request,
 * bounded in records and in bytes. Under load that yields large batches with no added latency
 * when idle (kafkajs has no linger). A failed request fails every record in it; the producer is
 * then replaced, since kafkajs's idempotent sequence state is not trustworthy after an error.
 * `isConnected` is true only while the current producer has connected and none of its requests
 * has failed since; when it is false, the publisher keeps trying to connect on its own, so it
 * recovers without waiting for a publish (a gateway taken out of rotation for not being ready
 * receives none).
 */
export class KafkaRawEventPublisher implements RawEventPublisher {
  private producer: Producer;
  private connected = false;
  private connecting: Promise<boolean> | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private queue: Pending[] = [];
  private sending: Promise<void> | null = null;
  private closed = false;
  private readonly limits: { maxRecords: number; maxBytes: number };
  private readonly maxQueuedRecords: number;
  private readonly reconnectDelayMs: number;

  constructor(
    private readonly kafka: Pick<Kafka, 'producer'>,
    private readonly options: KafkaPublisherOptions,
  ) {
    this.limits = {
      maxRecords: options.maxBatchRecords ?? 1000,
      maxBytes: options.maxBatchBytes ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
    };
    this.maxQueuedRecords = options.maxQueuedRecords ?? 20_000;
    this.reconnectDelayMs = options.reconnectDelayMs ?? 1000;
    this.producer = this.createProducer();
  }

  /** Connects the producer; rejects when Kafka cannot be reached (a start-up error). */
  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
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
    clearTimeout(this.retryTimer);
    await this.drain();
    await this.connecting;
    this.connected = false;
    await this.producer.disconnect();
  }

  /** Sends queued records, one request at a time; concurrent callers share the same drain. */
  private drain(): Promise<void> {
    this.sending ??= (async () => {
      try {
        while (this.queue.length > 0) {
          const batch = this.queue.splice(0, nextBatchLength(this.queue, this.limits));
          await this.send(batch);
        }
      } finally {
        this.sending = null;
      }
    })();
    return this.sending;
  }

  private async send(batch: Pending[]): Promise<void> {
    if (!this.connected && !(await this.reconnect())) {
      for (const pending of batch) pending.reject(new Error('the Kafka producer is not connected'));
      return;
    }
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
    this.connected = false;
    this.producer = this.createProducer();
    await broken.disconnect().catch(() => undefined);
    await this.reconnect();
  }

  /**
   * One connection attempt of the current producer, shared by concurrent callers; resolves
   * whether it connected. A failed attempt schedules the next one.
   */
  private reconnect(): Promise<boolean> {
    const producer = this.producer;
    this.connecting ??= producer
      .connect()
      .then(
        () => {
          // Replaced meanwhile: the new producer is the one to connect.
          if (producer !== this.producer) this.retryLater();
          else this.connected = true;
          return this.connected;
        },
        (error: unknown) => {
          this.options.logger.warn({ err: error }, 'kafka producer cannot connect; retrying');
          this.retryLater();
          return false;
        },
      )
      .finally(() => {
        this.connecting = null;
      });
    return this.connecting;
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.connected && !this.closed) void this.reconnect();
    }, this.reconnectDelayMs);
    this.retryTimer.unref();
  }

  private createProducer(): Producer {
    // No DISCONNECT listener: kafkajs emits it only for our own disconnect(), never for a lost
    // connection; a failed request is what tells (see send).
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Bounded so a dead broker fails the request (then 503 and an Allo retry) instead of
      // hanging forever; the gateway's ack deadline is the real bound seen by Allo.
      retry: { retries: 6, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }
}
