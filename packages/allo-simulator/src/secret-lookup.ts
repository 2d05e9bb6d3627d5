// Which signing secret the simulator uses, in order: --secret, then ALLO_WEBHOOK_SECRET, then the
// development secret that `npm start` generated and keeps in the local stack's state folder (the
// same file `npm start` gives the gateway), so that the simulator needs no set-up beside it.

export const SECRET_VARIABLE = 'ALLO_WEBHOOK_SECRET';

/** The development secret of the local stack, if it has one: its value and the file keeping it. */
export type DevelopmentSecretLookup = () => { readonly value: string; readonly file: string } | undefined;

/** Where the secret came from; `name` is what a parse error names. */
export type SecretOrigin =
  | { readonly kind: 'flag'; readonly name: '--secret' }
  | { readonly kind: 'env'; readonly name: typeof SECRET_VARIABLE }
  | { readonly kind: 'development'; readonly name: string; readonly file: string };

export type SecretLookupResult =
  | { readonly kind: 'found'; readonly value: string; readonly origin: SecretOrigin }
  | { readonly kind: 'missing'; readonly message: string };

/** Picks the secret; the development lookup runs only when neither flag nor variable is given. */
export function resolveSecret(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  developmentSecret: DevelopmentSecretLookup,
): SecretLookupResult {
  if (flag !== undefined) return { kind: 'found', value: flag, origin: { kind: 'flag', name: '--secret' } };
  const fromEnv = env[SECRET_VARIABLE];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { kind: 'found', value: fromEnv, origin: { kind: 'env', name: SECRET_VARIABLE } };
  }
  const kept = developmentSecret();
  if (kept) {
    return {
      kind: 'found',
      value: kept.value,
      origin: { kind: 'development', name: kept.file, file: kept.file },
    };
  }
  return {
    kind: 'missing',
    message:
      `no signing secret: pass --secret whsec_... or set ${SECRET_VARIABLE}, ` +
      'or run `npm start` once, which generates the development secret the simulator then uses',
  };
}

/** The line that tells the user which secret signs, without the secret itself. */
export function describeSecretOrigin(origin: SecretOrigin): string {
  switch (origin.kind) {
    case 'flag':
      return 'signing with the secret given by --secret';
    case 'env':
      return `signing with ${SECRET_VARIABLE}`;
    case 'development':
      return `signing with the development secret of \`npm start\` (kept in ${origin.file})`;
  }
}
