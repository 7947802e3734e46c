// E-mail pages over SMTP (SMTP_URL, nodemailer): subject = the page's title, a text part and a
// small HTML part, both with the incident and acknowledge links.
import nodemailer from 'nodemailer';
import type { ChannelConfigs } from '../../contract/index.ts';
import type { PageMessage } from '../message.ts';
import { digestEntries, incidentLine, pageFacts, pageLinks, truncate, type Delivery } from './render.ts';
import { OutboundFailed } from '../http.ts';
import { errorOutcome, hideSecrets, type SendOutcome } from './outcome.ts';

export interface EmailPage {
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  /** The same on every retry of one delivery: a mail client that got it twice shows it once. */
  messageId: string;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function formatEmail(config: ChannelConfigs['email'], message: PageMessage, delivery: Delivery): EmailPage {
  const links = pageLinks(message);
  const facts = pageFacts(message);
  const { shown, more } = digestEntries(message, 200);
  const text = [
    message.text,
    shown.map((i) => `- ${incidentLine(i)}\n  ${i.url}`).join('\n') + (more > 0 ? `\n…and ${more} more` : ''),
    facts.map(([k, v]) => `${k}: ${v}`).join('\n'),
    links.map((link) => `${link.label}: ${link.url}`).join('\n'),
  ].filter((part) => part !== '').join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2 style="margin:0 0 8px">${escapeHtml(message.title)}</h2>`,
    `<p style="white-space:pre-wrap">${escapeHtml(message.text)}</p>`,
    shown.length > 0 ? `<ul>${shown.map((i) => `<li><a href="${escapeHtml(i.url)}">${escapeHtml(incidentLine(i))}</a></li>`).join('')}${more > 0 ? `<li>…and ${more} more</li>` : ''}</ul>` : '',
    `<table>${facts.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`,
    `<p>${links.map((link) => `<a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a>`).join(' &nbsp;·&nbsp; ')}</p>`,
    '</body></html>',
  ].join('\n');
  return {
    to: delivery.to !== undefined ? [delivery.to] : config.to,
    subject: truncate(message.title.replace(/[\r\n]+/g, ' '), 250),
    text,
    html,
    headers: { 'X-Vigil-Event': message.event, 'X-Vigil-Delivery': delivery.id },
    messageId: `<${delivery.id.replace(/[^A-Za-z0-9._-]/g, '')}@vigil>`,
  };
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
}

/** Sends through the SMTP server; its reply code is the outcome's status (250 on acceptance). */
export async function sendEmail(smtp: { url: string; from: string }, page: EmailPage, timeoutMs = 10_000): Promise<SendOutcome> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  // The SMTP password is in the URL: no error text may carry it.
  const secrets = [smtp.url, ...passwordOf(smtp.url)];
  const transport = nodemailer.createTransport({ url: smtp.url, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  try {
    const info = await transport.sendMail({
      from: smtp.from, to: page.to, subject: page.subject, text: page.text, html: page.html, headers: page.headers, messageId: page.messageId,
    });
    const code = /^(\d{3})/.exec(String(info.response))?.[1];
    return { delivered: true, status: code === undefined ? 250 : Number(code), ms: ms() };
  } catch (err) {
    const e = err as SmtpError;
    if (typeof e.responseCode === 'number') {
      // 4xx: the server asks to try later; 5xx: it will not take this message (bad recipient, auth).
      return { delivered: false, status: e.responseCode, error: hideSecrets(`the SMTP server answered ${e.responseCode}: ${truncate(e.message.replace(/\s+/g, ' '), 200)}`, secrets), retryable: e.responseCode < 500, ms: ms() };
    }
    if (e.code === 'EAUTH' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE') {
      return { delivered: false, error: hideSecrets(`the SMTP server refused the page (${e.code}): ${truncate(e.message, 200)}`, secrets), retryable: false, ms: ms() };
    }
    // No conversation with the server at all: like an HTTP receiver that is down, worth retrying.
    const failed = e.code !== undefined && ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'EPROTOCOL'].includes(e.code)
      ? new OutboundFailed(e.message, e.code === 'ETIMEDOUT') : err;
    return errorOutcome('the SMTP server', failed, ms(), secrets);
  } finally {
    transport.close();
  }
}

function passwordOf(url: string): string[] {
  try {
    const parsed = new URL(url);
    return parsed.password !== '' ? [parsed.password, decodeURIComponent(parsed.password)] : [];
  } catch {
    return [];
  }
}
