export { MAX_SIGNATURE_ENTRIES } from './parse-signature-header.js';
export {
  MAX_SIGNATURE_HEADER_LENGTH,
  MAX_SIGNATURE_HEADER_VALUES,
  type WebhookHeaders,
} from './read-webhook-headers.js';
export { signWebhook, type SignWebhookInput } from './sign-webhook.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  MAX_WEBHOOK_ID_LENGTH,
  verifyWebhook,
  type VerifyFailureReason,
  type VerifyOutcome,
  type VerifyWebhookInput,
} from './verify-webhook.js';
export {
  generateSecret,
  parseSecret,
  parseSecretList,
  WebhookSecretConfigError,
  type WebhookSecret,
} from './webhook-secret.js';
