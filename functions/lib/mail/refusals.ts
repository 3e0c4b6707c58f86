/**
 * SES's refusals that no retry fixes, in plain words. SES answers a send it
 * will never accept with an error code (MessageRejected, AccessDenied,
 * MailFromDomainNotVerified, sending paused, ...); the mailer turns those
 * into a PermanentMailError (`Pipeline.MailRejected`) instead of letting the
 * state machine retry, and its message says which address and why:
 *
 *   SES refused the email to sdr9@example.com: the address is not verified (the account is in the SES sandbox)
 *
 * In the sandbox SES's own message lists the identities that failed:
 * "Email address is not verified. The following identities failed the check
 * in region US-EAST-1: Name <a@x.com>, a@x.com, b@y.com"; the sender may be
 * among them (not verified in any account) as well as recipients (only in
 * the sandbox).
 */
import { senderAddress } from '#lib/aws/settings';
import { PermanentMailError, errorName } from '#lib/core/errors';

/** SES error codes (v1 and v2, as the SDK names them) that mean "never": what each means, in plain words. */
const PERMANENT: Readonly<Record<string, string>> = {
  MessageRejected: 'SES rejected the message',
  MailFromDomainNotVerified: 'the custom MAIL FROM domain of the sender is not verified in SES',
  MailFromDomainNotVerifiedException: 'the custom MAIL FROM domain of the sender is not verified in SES',
  FromEmailAddressNotVerifiedException: 'the sender address is not verified in SES',
  AccessDenied: 'the function is not allowed to send as this sender (its IAM policy or the identity policy refuses it; check mailIdentity)',
  AccessDeniedException: 'the function is not allowed to send as this sender (its IAM policy or the identity policy refuses it; check mailIdentity)',
  AccountSendingPausedException: 'sending is paused for this SES account',
  SendingPausedException: 'sending is paused for this SES account',
  AccountSuspendedException: 'the SES account is suspended',
  ConfigurationSetSendingPausedException: 'sending is paused for the SES configuration set',
  ConfigurationSetDoesNotExistException: 'the SES configuration set does not exist',
  InvalidParameterValue: 'SES found an address or a parameter invalid',
  BadRequestException: 'SES found an address or a parameter invalid',
};

const EMAIL = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[^\s@<>"'(),;:]+/g;

/** The bare addresses of SES's "The following identities failed the check in region R: ..." list. */
export function failedIdentities(message: string): string[] {
  const at = /failed the check in region [^:]*:(.*)$/is.exec(message);
  if (at === null) return [];
  const list = (at[1] ?? '').replace(/\.\.\.\s*$/, '');
  return [...new Set([...list.matchAll(EMAIL)].map((m) => m[0].replace(/\.$/, '').toLowerCase()))];
}

const listOf = (addresses: readonly string[]): string => addresses.join(', ');

/**
 * The PermanentMailError for an SES error no retry fixes, or undefined
 * (throttling, an outage, anything unknown: the caller decides).
 */
export function mailRefusal(error: unknown, mail: { from: string; to: readonly string[]; cc?: readonly string[] }): PermanentMailError | undefined {
  const code = errorName(error);
  const meaning = PERMANENT[code];
  if (meaning === undefined) return undefined;
  const sesMessage = error instanceof Error ? error.message : '';
  const sender = senderAddress(mail.from).toLowerCase();
  const recipients = [...mail.to, ...(mail.cc ?? [])];
  const options = { cause: error };

  if (code === 'MessageRejected' && /not verified/i.test(sesMessage)) {
    const failed = failedIdentities(sesMessage);
    const badRecipients = recipients.filter((r) => failed.includes(r.toLowerCase()));
    const senderFailed = failed.includes(sender);
    if (badRecipients.length > 0 || senderFailed) {
      const one = badRecipients.length === 1;
      const recipientReason = `${one ? 'the address is' : 'the addresses are'} not verified (the account is in the SES sandbox, where every recipient must be a verified identity)`;
      const senderReason = 'the sender address is not verified in SES (verify it, or its domain: the mailIdentity setting)';
      const message =
        badRecipients.length > 0 && senderFailed
          ? `SES refused the email to ${listOf(badRecipients)}: ${recipientReason}; and from ${sender}: ${senderReason}`
          : badRecipients.length > 0
            ? `SES refused the email to ${listOf(badRecipients)}: ${recipientReason}`
            : `SES refused the email from ${sender}: ${senderReason}`;
      return new PermanentMailError(message, code, [...badRecipients, ...(senderFailed ? [sender] : [])], options);
    }
    // SES cut the list short (an ellipsis) or named other identities: say what it said.
    return new PermanentMailError(`SES refused the email to ${listOf(recipients)}: an address is not verified (${sesMessage})`, code, recipients, options);
  }
  const senderSide = ['MailFromDomainNotVerified', 'MailFromDomainNotVerifiedException', 'FromEmailAddressNotVerifiedException', 'AccessDenied', 'AccessDeniedException'].includes(code);
  const detail = code === 'MessageRejected' || code === 'InvalidParameterValue' || code === 'BadRequestException' ? `${meaning}: ${sesMessage}` : meaning;
  return senderSide
    ? new PermanentMailError(`SES refused the email from ${sender}: ${detail}`, code, [sender], options)
    : new PermanentMailError(`SES refused the email to ${listOf(recipients)}: ${detail}`, code, recipients, options);
}
