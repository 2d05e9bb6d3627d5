/** One Kafka record for the raw topic, already encoded. */
export interface RawEventMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  /** Epoch ms; the record timestamp, so offsets-by-time follow reception time. */
  timestamp: number;
}

/**
 * Publishes raw records durably: `publish` resolves only once Kafka has acknowledged the record
 * (acks=-1) and rejects otherwise. The gateway depends on this interface, not on kafkajs, so the
 * HTTP layer is tested without I/O and the Kafka client stays swappable.
 */
export interface RawEventPublisher {
  publish(message: RawEventMessage): Promise<void>;
  /** True when the producer is connected (for /readyz). */
  isConnected(): boolean;
  /** Sends what is queued, then disconnects. */
  close(): Promise<void>;
}

/** Thrown when a publish was not acknowledged within the deadline. */
export class PublishTimeoutError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`Kafka did not acknowledge within ${deadlineMs} ms`);
    this.name = 'PublishTimeoutError';
  }
}

/** Rejects with PublishTimeoutError when `publish` takes longer than `deadlineMs`. */
export async function publishWithin(
  publisher: RawEventPublisher,
  message: RawEventMessage,
  deadlineMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PublishTimeoutError(deadlineMs)), deadlineMs);
  });
  try {
    await Promise.race([publisher.publish(message), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
