import type { ServiceName, PortEnvVar } from './stack-config.js';

/** Base class: every error the stack throws says what happened and what to do about it. */
export class StackError extends Error {
  override name = 'StackError';
}

/** Configuration the user has to fix (a malformed port, say). */
export class StackConfigError extends StackError {
  override name = 'StackConfigError';
}

/** A tool the stack needs (java, mvn) is missing or too old. */
export class ToolMissingError extends StackError {
  override name = 'ToolMissingError';
  constructor(
    readonly tool: 'java' | 'mvn',
    message: string,
  ) {
    super(message);
  }
}

/** A port is taken by a process the stack did not start. */
export class PortInUseError extends StackError {
  override name = 'PortInUseError';
  constructor(
    readonly service: ServiceName,
    readonly port: number,
    readonly envVar: PortEnvVar,
  ) {
    super(
      `${service}: port ${port} is already in use by a process this stack did not start. ` +
        `Stop that process, or choose another port with ${envVar}=<port>.`,
    );
  }
}

/** A server did not answer within its time limit, or exited while starting. */
export class ServerNotReadyError extends StackError {
  override name = 'ServerNotReadyError';
  constructor(
    readonly service: ServiceName,
    readonly reason: string,
    readonly logFile: string,
    readonly logTail: string,
  ) {
    super(`${service} ${reason}. Last lines of ${logFile}:\n${logTail}`);
  }
}

/** Maven could not fetch an artifact; the message includes Maven's own output. */
export class DownloadError extends StackError {
  override name = 'DownloadError';
  constructor(
    readonly artifact: string,
    readonly logFile: string,
    logTail: string,
  ) {
    super(`Could not download ${artifact} from Maven Central (log: ${logFile}):\n${logTail}`);
  }
}

/**
 * The pinned version of a server cannot run on the data it would start on (a Postgres major that
 * differs from the data folder's, or a Kafka / Apicurio older than the one that last ran on it).
 * The stack refuses rather than touching the data; the message names both versions and the ways out.
 */
export class StackVersionError extends StackError {
  override name = 'StackVersionError';
  constructor(
    readonly service: ServiceName,
    readonly dataVersion: string,
    readonly pinnedVersion: string,
    message: string,
  ) {
    super(message);
  }
}

/** DATABASE_URL is set but its server does not accept connections; the stack never falls back. */
export class DatabaseUnreachableError extends StackError {
  override name = 'DatabaseUnreachableError';
  constructor(
    readonly server: string,
    cause: string,
  ) {
    super(
      `DATABASE_URL names ${server}, which does not accept connections (${cause}). The read models and the ` +
        `registry's schemas live in that database, so the stack does not start its embedded Postgres instead. ` +
        `Start that server, fix DATABASE_URL, or unset DATABASE_URL to use the embedded Postgres.`,
    );
  }
}
