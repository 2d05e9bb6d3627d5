import type { SourceLookup, SourcesFileStatus } from './live-sources.js';
import { secretFingerprint } from './secret-fingerprint.js';
import type { SourceActivity } from './source-activity.js';

/** The body of GET /status/sources (read by `allo status` and `allo rotate`); no secret in it. */
export interface SourcesStatusBody {
  readonly generatedAt: string;
  readonly sourcesFile: {
    readonly path: string;
    readonly loadedAt: string;
    readonly lastError: { readonly at: string; readonly message: string } | null;
  } | null;
  readonly sources: Record<
    string,
    {
      /** The active secrets in order, each with when it last verified an accepted event. */
      readonly secrets: Array<{ readonly fingerprint: string; readonly lastVerifiedAt: string | null }>;
      /** `allo rotate` is creating a webhook; bad signatures wait briefly for its secret. */
      readonly awaitingSecret: boolean;
      readonly lastAcceptedAt: string | null;
      readonly lastHour: {
        readonly accepted: number;
        readonly signatureFailures: number;
        readonly clientErrors: number;
        readonly serverErrors: number;
      };
    }
  >;
}

const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

/** Builds the status body from the sources in use and their activity (counts since start-up, at most an hour). */
export function sourcesStatus(
  sources: SourceLookup,
  activity: SourceActivity,
  file: SourcesFileStatus | null,
  now: number,
): SourcesStatusBody {
  const body: SourcesStatusBody = {
    generatedAt: new Date(now).toISOString(),
    sourcesFile: file && {
      path: file.path,
      loadedAt: new Date(file.loadedAt).toISOString(),
      lastError: file.lastError && {
        at: new Date(file.lastError.at).toISOString(),
        message: file.lastError.message,
      },
    },
    sources: {},
  };
  for (const [name, secrets] of sources.entries()) {
    const seen = activity.snapshot(name);
    body.sources[name] = {
      secrets: secrets.map((secret) => {
        const fingerprint = secretFingerprint(secret);
        return { fingerprint, lastVerifiedAt: iso(seen.lastVerifiedBySecret[fingerprint]) };
      }),
      awaitingSecret: sources.isAwaitingSecret?.(name) ?? false,
      lastAcceptedAt: iso(seen.lastAcceptedAt),
      lastHour: seen.lastHour,
    };
  }
  return body;
}
