/**
 * Typed domain errors. Handlers throw these; `aws/http.ts` maps them to HTTP
 * status codes (in one place), and the state machine retries
 * `Pipeline.TransientError` (see the ASL `Retry` blocks).
 */

/** Base class so `instanceof DomainError` catches every typed error. */
export abstract class DomainError extends Error {
  /** Extra data a renderer may show (never secrets). */
  readonly data: Readonly<Record<string, unknown>>;
  constructor(message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.data = data;
  }
}

/**
 * A failure worth retrying (throttling, a concurrent write in flight).
 * Its `name` is the error name the state machine's Retry matches.
 */
export class TransientError extends DomainError {
  override readonly name = 'Pipeline.TransientError';
}

/**
 * SES refused an email for good: an address that is not verified (in the
 * sandbox, every recipient must be), the sender not verified, access denied,
 * sending paused. Sending it again changes nothing, so it is not a
 * TransientError: the state machine's Catch takes the lead to "Needs
 * attention" and ops are told. The message names the address(es) and the
 * reason in plain words (it goes to ops, never to logs); `reasonCode` is
 * SES's error code, the part that is safe to log.
 */
export class PermanentMailError extends DomainError {
  override readonly name = 'Pipeline.MailRejected';
  /** SES's error code (MessageRejected, AccessDenied, ...): no personal data. */
  readonly reasonCode: string;
  /** The refused addresses (recipients or sender): personal, never logged. */
  readonly addresses: readonly string[];
  constructor(message: string, reasonCode: string, addresses: readonly string[], options?: { cause?: unknown }) {
    super(message, { reasonCode }, options);
    this.reasonCode = reasonCode;
    this.addresses = addresses;
  }
}

/** Bad input. `field` names the offending field (e.g. `answer`, `ratings.lead-fit`). */
export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly field: string;
  constructor(field: string, message: string, data: Record<string, unknown> = {}) {
    super(`${field}: ${message}`, { ...data, field });
    this.field = field;
  }
}

/** No valid credentials (the bearer key): 401 with `WWW-Authenticate: Bearer`. */
export class Unauthorized extends DomainError {
  override readonly name = 'Unauthorized';
}

/** The thing asked for does not exist (lead, feedback link). */
export class NotFound extends DomainError {
  override readonly name = 'NotFound';
}

/** It existed but is no longer usable (expired feedback link, finished task). */
export class Gone extends DomainError {
  override readonly name = 'Gone';
}

/** A conflicting state: already answered, already exists. `data` may carry what was recorded. */
export class Conflict extends DomainError {
  override readonly name = 'Conflict';
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottledException',
  'LimitExceededException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TransactionConflictException',
]);

/** The `name` of an unknown thrown value, or '' (SDK errors carry their AWS error code there). */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** True for AWS SDK errors that mean "try again later". */
function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (THROTTLING.has(error.name)) return true;
  const meta = (error as { $retryable?: { throttling?: boolean } }).$retryable;
  return meta?.throttling === true;
}

/** Rethrow-helper: wraps throttling errors in TransientError so Step Functions retries them; others pass through. */
export function asTransient(error: unknown, what: string): unknown {
  if (isThrottling(error)) {
    return new TransientError(`${what}: ${errorName(error)}`, {}, { cause: error });
  }
  return error;
}

/** True for DynamoDB's ConditionalCheckFailedException. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}
