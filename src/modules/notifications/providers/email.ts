import { isIP } from 'node:net';
import { createTransport } from 'nodemailer';
import { checkUrl } from '../../../platform/ssrf-safe-fetch.js';
import { type EmailConfigT, splitAddresses } from '../channel-config.js';
import { type ApprovalView, clip, outcomeOf, timeoutLine, truncationNote } from '../approval-view.js';
import { escapeHtml, fitEscaped, singleLine } from '../escape.js';
import { type ChannelDriver, type DriverIo, DeliveryError, noticeText } from './driver.js';

/**
 * E-mail over SMTP with TLS always required: STARTTLS (`requireTLS`) on any port but 465, where
 * TLS starts at once. The SMTP host gets the same address checks as every outbound call
 * (decision 13): resolved once, every address checked, the socket opened to the checked address
 * while the certificate is verified against the host name (`tls.servername`).
 */
const ARGS_LIMIT = 20_000;

async function checkedAddress(cfg: EmailConfigT, io: DriverIo): Promise<string> {
  const host = cfg.smtp_host.replace(/^\[|\]$/g, '');
  const probe = new URL('http://placeholder');
  probe.hostname = isIP(host) === 6 ? `[${host}]` : host;
  try {
    const { addresses } = await checkUrl(probe.toString(), io.policy);
    return addresses[0]!;
  } catch (err) {
    const reason = (err as { reason?: unknown }).reason;
    throw new DeliveryError(`SMTP host refused: ${typeof reason === 'string' ? reason : (err as Error).message}`);
  }
}

interface Mail {
  subject: string;
  text: string;
  html: string;
  inReplyTo?: string;
}

async function send(cfg: EmailConfigT, mail: Mail, io: DriverIo): Promise<string | null> {
  const address = await checkedAddress(cfg, io);
  const host = cfg.smtp_host.replace(/^\[|\]$/g, '');
  const t = io.config.outbound.timeoutMs;
  const transport = createTransport({
    host: address,
    port: cfg.smtp_port,
    secure: cfg.smtp_port === 465,
    requireTLS: cfg.smtp_port !== 465,
    auth: cfg.smtp_user ? { user: cfg.smtp_user, pass: cfg.smtp_password ?? '' } : undefined,
    tls: { servername: isIP(host) ? undefined : host, ca: cfg.smtp_ca_cert, minVersion: 'TLSv1.2' },
    connectionTimeout: t,
    greetingTimeout: t,
    socketTimeout: t,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    const info = await transport.sendMail({
      from: cfg.from_address,
      to: splitAddresses(cfg.to_addresses),
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: [mail.inReplyTo] } : {}),
    });
    return typeof info.messageId === 'string' ? info.messageId : null;
  } catch (err) {
    throw new DeliveryError(smtpAdvice(err, host, cfg.smtp_port));
  } finally {
    transport.close();
  }
}

const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO|ETLS/;

/** nodemailer's messages can quote the server's reply; only codes are repeated. */
function smtpAdvice(err: unknown, host: string, port: number): string {
  const e = err as { code?: unknown; originalCode?: unknown; responseCode?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'error';
  // ESOCKET wraps the socket's own code (DEPTH_ZERO_SELF_SIGNED_CERT, ECONNREFUSED...).
  const inner = typeof e.originalCode === 'string' && /^[A-Z0-9_]{2,60}$/.test(e.originalCode) ? e.originalCode : null;
  const shown = inner ?? code;
  const rc = typeof e.responseCode === 'number' ? ` ${e.responseCode}` : '';
  if (code === 'EAUTH') return `The SMTP server rejected the login (${code}${rc}) — check smtp_user and smtp_password`;
  if (TLS_CODE.test(shown))
    return `TLS with ${host}:${port} failed (${shown}) — the server must offer STARTTLS with a certificate valid for ${host} (set smtp_ca_cert for a private CA)`;
  if (shown === 'ETIMEDOUT') return `The SMTP server ${host}:${port} did not answer in time (${shown}) — will retry`;
  if (code === 'ECONNECTION' || code === 'ESOCKET' || shown === 'ECONNREFUSED') return `Could not talk to the SMTP server ${host}:${port} (${shown}) — check smtp_host and smtp_port`;
  if (code === 'EENVELOPE') return `The SMTP server refused the sender or a recipient (${code}${rc}) — check from_address and to_addresses`;
  return `Sending through ${host}:${port} failed (${shown}${rc})`;
}

function row(label: string, value: string): string {
  return `<tr><th align="left" style="padding:2px 12px 2px 0">${label}</th><td><code>${escapeHtml(clip(value, 255))}</code></td></tr>`;
}

function requestMail(v: ApprovalView): Mail {
  const args = fitEscaped(v.argsJson, (s) => s, ARGS_LIMIT);
  const note = args.truncated ? truncationNote(args.text.length, v.argsJson.length) : '';
  const o = outcomeOf(v);
  const decided = v.status !== 'pending';
  const outcomeHtml = decided ? `<p><strong>${o.emoji} ${o.title}</strong> — ${escapeHtml(o.line)}${o.reason ? `<br>Reason: ${escapeHtml(clip(o.reason, 2000))}` : ''}</p>` : '';
  const html = [
    `<h2>${decided ? `Approval ${escapeHtml(o.title.toLowerCase())}` : 'Approval requested'}</h2>`,
    outcomeHtml,
    '<table>',
    row('Agent', v.agentId),
    row('Tool', v.toolName),
    row('Environment', v.env),
    v.contractName ? row('Contract', v.contractName) : '',
    `<tr><th align="left" style="padding:2px 12px 2px 0">Timeout</th><td>${escapeHtml(timeoutLine(v))}</td></tr>`,
    '</table>',
    `<h3>Message</h3><blockquote>${escapeHtml(clip(v.message, 5000))}</blockquote>`,
    `<h3>Arguments</h3><pre>${escapeHtml(args.text)}</pre>`,
    note ? `<p><em>${escapeHtml(note)}</em></p>` : '',
    `<p><a href="${escapeHtml(v.link)}">Review &amp; decide in the dashboard</a></p>`,
  ].join('\n');
  const text = [
    decided ? `${o.title}: ${o.line}${o.reason ? `\nReason: ${clip(o.reason, 2000)}` : ''}\n` : 'Approval requested',
    `Agent: ${v.agentId}`,
    `Tool: ${v.toolName}`,
    `Environment: ${v.env}`,
    ...(v.contractName ? [`Contract: ${v.contractName}`] : []),
    `Timeout: ${timeoutLine(v)}`,
    '',
    'Message:',
    clip(v.message, 5000),
    '',
    'Arguments:',
    args.text,
    ...(note ? [note] : []),
    '',
    `Review and decide: ${v.link}`,
  ].join('\n');
  const subject = decided
    ? `[Edictum] Approval ${v.status} — ${v.id.slice(0, 8)} (${singleLine(clip(v.toolName, 80))})`
    : `[Edictum] Approval requested — ${singleLine(clip(v.agentId, 80))} wants to call ${singleLine(clip(v.toolName, 80))}`;
  return { subject, text, html };
}

export const emailDriver: ChannelDriver<EmailConfigT> = {
  interactive: false,
  async sendRequest(cfg, view, io) {
    const id = await send(cfg, requestMail(view), io);
    return id ? { message_id: id } : null;
  },
  async sendOutcome(cfg, view, ref, io) {
    const mail = requestMail(view);
    const inReplyTo = typeof ref?.message_id === 'string' ? ref.message_id : undefined;
    const id = await send(cfg, { ...mail, ...(inReplyTo ? { inReplyTo } : {}) }, io);
    return id ? { message_id: id } : null;
  },
  async notice(cfg, n, io) {
    const text = noticeText(n, 20_000);
    const html = `<p>${text.split('\n').map((l) => escapeHtml(l)).join('<br>')}</p>`;
    await send(cfg, { subject: `[Edictum] ${singleLine(clip(n.title, 180))}`, text, html }, io);
  },
  async test(cfg, io) {
    await send(cfg, { subject: '[Edictum] Test notification', text: 'Edictum test notification — this channel is working.', html: '<p>Edictum test notification — this channel is working.</p>' }, io);
    return `Sent a test e-mail to ${splitAddresses(cfg.to_addresses).join(', ')}.`;
  },
};
