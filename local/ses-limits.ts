/**
 * What SES refuses in a message's content and aws-ses-v2-local lets through,
 * checked by the local SES layer (local/ses-sandbox.ts) before a send reaches
 * the emulator, so a message the local stack sends is one SES would send:
 *
 * - An attachment whose file extension SES does not accept ("Amazon SES
 *   unsupported attachment types", https://docs.aws.amazon.com/ses/latest/dg/mime-types.html:
 *   .exe, .bat, .js, .vbs, ...): the file name of an SESv2 Simple attachment
 *   (`Attachments[].FileName`), or the `filename=` / `name=` parameter of a
 *   MIME part in a raw message (SES v1 SendRawEmail, SESv2 `Content.Raw`).
 *   Refused as `MessageRejected` (HTTP 400), the code SES gives a message it
 *   will not send ("Amazon SES email sending errors",
 *   https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-error-messages.html);
 *   the message naming the file and its extension is this layer's wording.
 * - A message over SES's size limit, attachments included and counted after
 *   base64 encoding ("Service quotas in Amazon SES",
 *   https://docs.aws.amazon.com/ses/latest/dg/quotas.html): 10 MB with SES API
 *   v1, 40 MB with SES API v2. Refused as SES v1 refuses one:
 *   `InvalidParameterValue` (HTTP 400) "Message length is more than 10485760
 *   bytes long: '<length>'."; with v2 as `BadRequestException` (HTTP 400, v2's
 *   code for an invalid parameter) in the same words with its own limit.
 *   The length counted: a raw message's MIME text (its attachments already
 *   base64 inside it); a Simple one's subject and bodies (UTF-8) plus each
 *   attachment base64-encoded.
 */

/** The file extensions SES refuses in an attachment (lower case), as its developer guide lists them. */
export const UNSUPPORTED_ATTACHMENT_EXTENSIONS: ReadonlySet<string> = new Set([
  '.ade', '.adp', '.app', '.asp', '.bas', '.bat', '.cer', '.chm', '.cmd', '.com', '.cpl', '.crt', '.csh', '.der', '.exe', '.fxp',
  '.gadget', '.hlp', '.hta', '.inf', '.ins', '.isp', '.its', '.js', '.jse', '.ksh', '.lib', '.lnk', '.mad', '.maf', '.mag', '.mam',
  '.maq', '.mar', '.mas', '.mat', '.mau', '.mav', '.maw', '.mda', '.mdb', '.mde', '.mdt', '.mdw', '.mdz', '.msc', '.msh', '.msh1',
  '.msh2', '.mshxml', '.msh1xml', '.msh2xml', '.msi', '.msp', '.mst', '.ops', '.pcd', '.pif', '.plg', '.prf', '.prg', '.reg', '.scf',
  '.scr', '.sct', '.shb', '.shs', '.sys', '.ps1', '.ps1xml', '.ps2', '.ps2xml', '.psc1', '.psc2', '.tmp', '.url', '.vb', '.vbe',
  '.vbs', '.vps', '.vsmacros', '.vss', '.vst', '.vsw', '.vxd', '.ws', '.wsc', '.wsf', '.wsh', '.xnk',
]);

/** SES's maximum message size per API, in bytes (10 MB and 40 MB). */
export const MAX_MESSAGE_BYTES = { v1: 10 * 1024 * 1024, v2: 40 * 1024 * 1024 } as const;

export type SesApi = keyof typeof MAX_MESSAGE_BYTES;

/** What a send carries that SES checks: its length (as counted above) and its attachments' file names. */
export interface MessageContent {
  length: number;
  attachmentNames: string[];
}

/** A refusal as SES answers it: the error code, its HTTP status and message. */
export interface SesRefusal {
  code: string;
  status: number;
  message: string;
}

/** The extension of a file name SES refuses (lower case, with its dot), or undefined. */
export function unsupportedExtension(fileName: string): string | undefined {
  const dot = fileName.trim().lastIndexOf('.');
  if (dot < 0) return undefined;
  const extension = fileName.trim().slice(dot).toLowerCase();
  return UNSUPPORTED_ATTACHMENT_EXTENSIONS.has(extension) ? extension : undefined;
}

/** A MIME parameter's value: unquoted, and an RFC 2231 `charset'lang'value` decoded. */
function parameterValue(raw: string, extended: boolean): string {
  const value = raw.trim().replace(/^"(.*)"$/s, '$1');
  if (!extended) return value;
  const encoded = value.replace(/^[^']*'[^']*'/, '');
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/**
 * The file names of a raw MIME message's parts: each part header's
 * `filename=` (Content-Disposition) or `name=` (Content-Type) parameter,
 * RFC 2231 forms (`filename*=UTF-8''a.exe`) included. Header lines are
 * unfolded first; bodies are not read (a name in a text body is no file).
 */
export function mimeAttachmentNames(raw: string): string[] {
  const unfolded = raw.replace(/\r?\n[ \t]+/g, ' ');
  const names: string[] = [];
  for (const line of unfolded.split(/\r?\n/)) {
    if (!/^content-(disposition|type)\s*:/i.test(line)) continue;
    for (const m of line.matchAll(/;\s*(file)?name(\*)?\s*=\s*("[^"]*"|[^;\s]+)/gi)) names.push(parameterValue(m[3] ?? '', m[2] === '*'));
  }
  return names;
}

/** The refusal SES gives a send of `content` through `api`, or undefined when SES takes it. */
export function contentRefusal(api: SesApi, content: MessageContent): SesRefusal | undefined {
  const max = MAX_MESSAGE_BYTES[api];
  if (content.length > max) {
    return { code: api === 'v1' ? 'InvalidParameterValue' : 'BadRequestException', status: 400, message: `Message length is more than ${max} bytes long: '${content.length}'.` };
  }
  for (const name of content.attachmentNames) {
    const extension = unsupportedExtension(name);
    if (extension !== undefined) {
      return {
        code: 'MessageRejected',
        status: 400,
        message: `Unsupported attachment type: '${name}'. Amazon SES does not accept attachments with the file extension ${extension} (see "Amazon SES unsupported attachment types").`,
      };
    }
  }
  return undefined;
}

/** The content of a raw MIME message (base64, as the request carries it). */
function rawContent(base64: string): MessageContent {
  const raw = Buffer.from(base64, 'base64');
  return { length: raw.length, attachmentNames: mimeAttachmentNames(raw.toString('latin1')) };
}

const utf8Length = (parts: readonly (string | null | undefined)[]): number => parts.reduce((n, part) => n + Buffer.byteLength(part ?? '', 'utf8'), 0);

/** The content of an SES v1 SendEmail (subject and bodies) or SendRawEmail (query protocol); undefined for other actions. */
export function v1Content(form: URLSearchParams): MessageContent | undefined {
  const action = form.get('Action');
  if (action === 'SendRawEmail') return rawContent(form.get('RawMessage.Data') ?? '');
  if (action !== 'SendEmail') return undefined;
  return { length: utf8Length(['Message.Subject.Data', 'Message.Body.Text.Data', 'Message.Body.Html.Data'].map((k) => form.get(k))), attachmentNames: [] };
}

interface V2Body {
  Content?: {
    Raw?: { Data?: string };
    Simple?: {
      Subject?: { Data?: string };
      Body?: { Text?: { Data?: string }; Html?: { Data?: string } };
      Attachments?: { FileName?: string; RawContent?: string }[];
    };
  };
}

/**
 * The content of an SESv2 SendEmail (REST JSON): a raw message, or a Simple
 * one's subject, bodies and attachments (RawContent is base64 in the
 * request: its length is the attachment's encoded size). Undefined for a
 * template (SES renders it).
 */
export function v2Content(body: unknown): MessageContent | undefined {
  const content = (typeof body === 'object' && body !== null ? (body as V2Body) : {}).Content;
  if (content?.Raw !== undefined) return rawContent(content.Raw.Data ?? '');
  const simple = content?.Simple;
  if (simple === undefined) return undefined;
  const attachments = simple.Attachments ?? [];
  return {
    length: utf8Length([simple.Subject?.Data, simple.Body?.Text?.Data, simple.Body?.Html?.Data]) + attachments.reduce((n, a) => n + (a.RawContent ?? '').length, 0),
    attachmentNames: attachments.map((a) => a.FileName ?? ''),
  };
}
