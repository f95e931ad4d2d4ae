/**
 * What the sandbox mail sink reads out of a received message to show it: its Message-ID, subject,
 * the order it is about (our `X-Order-Id` header) and, for a plain-text message, its text. Anything
 * richer (multipart, HTML) keeps only the raw message: a sink is not a mail client.
 */
import libmime from 'libmime';
import { decode as decodeQuotedPrintable } from 'libqp';

export interface ParsedMail {
  messageId: string | null;
  subject: string;
  orderId: string | null;
  text: string | null;
}

function splitHeaders(raw: string): { head: string; body: string } {
  const end = raw.search(/\r?\n\r?\n/);
  if (end < 0) return { head: raw, body: '' };
  return { head: raw.slice(0, end), body: raw.slice(end).replace(/^\r?\n\r?\n/, '') };
}

function bytesOf(body: string, transferEncoding: string): Buffer {
  if (transferEncoding === 'base64') return Buffer.from(body, 'base64');
  if (transferEncoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return Buffer.from(body, 'binary');
}

function charsetText(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes); // an unknown charset: read as UTF-8
  }
}

export function parseMail(message: Buffer): ParsedMail {
  // One char per byte ('binary'), so encoded parts decode byte for byte.
  const { head, body } = splitHeaders(message.toString('binary'));
  const headers = libmime.decodeHeaders(head, { skipPrototypeKeys: true });
  const first = (key: string) => headers[key]?.[0];
  const type = libmime.parseHeaderValue(first('content-type') ?? 'text/plain');
  const plain = type.value.toLowerCase() === 'text/plain';
  const encoding = (first('content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  const utf8 = (s: string) => charsetText(Buffer.from(s, 'binary'), 'utf-8');
  return {
    messageId: first('message-id')?.trim() ?? null,
    subject: libmime.decodeWords(utf8(first('subject') ?? '')),
    orderId: first('x-order-id')?.trim() ?? null,
    // Lines as a reader sees them: the wire's CRLFs as newlines, without the message's last one.
    text: plain ? charsetText(bytesOf(body, encoding), type.params.charset).replace(/\r\n/g, '\n').trimEnd() : null,
  };
}
