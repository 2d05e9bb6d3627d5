import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';

export type BearerVerdict = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'invalid' };

export type TokenVerifier = (authorization: string | undefined) => BearerVerdict;

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * A verifier for `Authorization: Bearer <token>` against the configured tokens. Both sides are
 * hashed first, so every comparison is over 32 bytes whatever the lengths, and every configured
 * token is compared (no early exit): the time taken says nothing about which prefix matched.
 */
export function createTokenVerifier(tokens: readonly string[]): TokenVerifier {
  const digests = tokens.map(sha256);
  return (authorization) => {
    if (authorization === undefined || authorization === '') return { ok: false, reason: 'missing' };
    const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(authorization);
    if (!match?.[1]) return { ok: false, reason: 'malformed' };
    const candidate = sha256(match[1]);
    let found = false;
    for (const digest of digests) found = timingSafeEqual(candidate, digest) || found;
    return found ? { ok: true } : { ok: false, reason: 'invalid' };
  };
}

/**
 * Rejects requests without a valid bearer token with 401 and `WWW-Authenticate: Bearer`
 * (RFC 6750: `error="invalid_token"` when a token was sent but is wrong or malformed).
 */
export function requireBearer(verify: TokenVerifier): Middleware {
  return async (ctx, next) => {
    const verdict = verify(ctx.get('authorization') || undefined);
    if (verdict.ok) {
      await next();
      return;
    }
    ctx.status = 401;
    ctx.set(
      'WWW-Authenticate',
      verdict.reason === 'missing'
        ? 'Bearer realm="allo-pipeline"'
        : 'Bearer realm="allo-pipeline", error="invalid_token"',
    );
    ctx.body = {
      error: {
        code: 'unauthorized',
        message:
          verdict.reason === 'missing'
            ? 'missing Authorization: Bearer <token> header'
            : 'invalid bearer token',
      },
    };
  };
}
