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
