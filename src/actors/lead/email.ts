/**
 * The campaign manager's rules for inbound mail, as pure functions: is it a usable email, is it
 * a reply, which campaign is it for, and what text the RAG agent should search.
 */
import type { EmailMessage } from './types.js';

/** A loose address check: one @, no spaces, a dotted domain (RFC 5322 in full is not the point). */
const ADDRESS_RE = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** Subject prefixes mail clients put on answers (English, German, Scandinavian). */
const REPLY_SUBJECT_RE = /^\s*(re|aw|sv)\s*:/i;

/** Longest accepted body; longer mails are bad input, not something to retry. */
export const MAX_EMAIL_BODY_CHARS = 100_000;

/** Outcome of validateEmail: the typed email, or every problem found (JSON paths). */
export type EmailValidation = { ok: true; email: EmailMessage } | { ok: false; problems: string[] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks an `email.received` payload: from, to, subject, body and messageId are required strings; addresses look like addresses. */
export function validateEmail(payload: unknown): EmailValidation {
  if (!isRecord(payload)) return { ok: false, problems: ['$: must be an object'] };
  const problems: string[] = [];
  const str = (key: string, required: boolean): string | undefined => {
    const v = payload[key];
    if (v === undefined || v === null) {
      if (required) problems.push(`$.${key}: required`);
      return undefined;
    }
    if (typeof v !== 'string') {
      problems.push(`$.${key}: must be a string`);
      return undefined;
    }
    if (required && key !== 'body' && v.trim() === '') problems.push(`$.${key}: must not be empty`);
    return v;
  };
  const messageId = str('messageId', true);
  const from = str('from', true);
  const to = str('to', true);
  const subject = str('subject', true);
  const body = str('body', true);
  const inReplyTo = str('inReplyTo', false);
  const receivedAt = str('receivedAt', false);
  if (from !== undefined && from.trim() !== '' && !ADDRESS_RE.test(from.trim())) problems.push('$.from: not an email address');
  if (to !== undefined && to.trim() !== '' && !ADDRESS_RE.test(to.trim())) problems.push('$.to: not an email address');
  if (body !== undefined && body.length > MAX_EMAIL_BODY_CHARS) problems.push(`$.body: longer than ${MAX_EMAIL_BODY_CHARS} characters`);
  if (receivedAt !== undefined && Number.isNaN(Date.parse(receivedAt))) problems.push('$.receivedAt: not a date');
  if (problems.length > 0) return { ok: false, problems };
  const email: EmailMessage = { messageId: messageId!.trim(), from: from!.trim().toLowerCase(), to: to!.trim().toLowerCase(), subject: subject!, body: body! };
  if (inReplyTo !== undefined && inReplyTo.trim() !== '') email.inReplyTo = inReplyTo.trim();
  if (receivedAt !== undefined) email.receivedAt = receivedAt;
  return { ok: true, email };
}

/** A reply answers an earlier mail (inReplyTo set) or says so in its subject ("Re:", "AW:", "SV:"). */
export function isReply(email: Pick<EmailMessage, 'subject' | 'inReplyTo'>): boolean {
  return (email.inReplyTo !== undefined && email.inReplyTo !== '') || REPLY_SUBJECT_RE.test(email.subject);
}

/**
 * The campaign a mail belongs to: the local part of the campaign inbox it was sent to
 * (`spring-launch@campaigns.example` -> `spring-launch`), normalised to key-safe characters.
 */
export function campaignIdOf(email: Pick<EmailMessage, 'to'>, fallback: string): string {
  const local = email.to.split('@')[0] ?? '';
  const id = local
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return id === '' ? fallback : id;
}

/** The text the RAG agent searches for a mail: sender first (the parser takes the first address), then subject and body. */
export function queryTextOf(email: Pick<EmailMessage, 'from' | 'subject' | 'body'>): string {
  return `from: ${email.from}\nsubject: ${email.subject}\n${email.body}`;
}
