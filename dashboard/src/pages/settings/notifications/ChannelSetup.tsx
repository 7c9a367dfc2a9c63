import type { ReactNode } from 'react';
import { baseUrlOf, useSlackManifest } from '../../../api/notifications';
import type { ChannelType } from '../../../api/types';
import { CopyButton } from '../../../components/CopyButton';
import { CopyableBlock } from '../../../components/SdkSnippets';
import { Skeleton } from '../../../components/ui/Feedback';

/** Secrets known in this browser session only (typed or generated here); masked otherwise. */
export interface SessionSecrets {
  bot_token?: string;
  webhook_secret?: string;
  secret?: string;
}

/**
 * What the chat platform needs to reach this channel, filled in with real values: the channel
 * id, its own callback URL (one secret per URL, see ARCHITECTURE 12), the Slack manifest, the
 * Telegram setWebhook call. Before the channel exists only what does not need its id is shown.
 */
export function ChannelSetup({ type, channelId, secrets }: { type: ChannelType; channelId?: string; secrets: SessionSecrets }) {
  const manifest = useSlackManifest(type === 'slack_app' ? channelId : undefined);
  const base = baseUrlOf(manifest.data);
  if (manifest.isLoading) return <Skeleton className="h-24" />;
  const idRow = channelId ? <Value label="Channel id" value={channelId} /> : null;

  if (type === 'slack_app') {
    const json = manifest.data ? JSON.stringify(manifest.data, null, 2) : '';
    return (
      <Panel title="Set up the Slack app">
        {idRow}
        <Value label="Interactivity request URL" value={manifest.data?.settings.interactivity.request_url ?? `${base}/api/v1/slack/interactions`} />
        <p>
          At api.slack.com/apps choose <b>Create New App → From a manifest</b>, pick your workspace and paste this manifest (its interactivity URL is already filled in
          {channelId ? ' for this channel' : '; once the channel is saved it gets its own URL, shown here'}). Install the app, then copy its bot token and signing secret into this form.
        </p>
        {json && <CopyableBlock text={json} label="Slack app manifest" />}
      </Panel>
    );
  }
  if (type === 'telegram') {
    if (!channelId) return <Pending what="Telegram webhook URL and the setWebhook call" />;
    const url = `${base}/api/v1/telegram/webhook/${channelId}`;
    const call = [
      `curl -sS "https://api.telegram.org/bot${secrets.bot_token || '<bot token>'}/setWebhook" \\`,
      `  -d "url=${url}" \\`,
      `  -d "secret_token=${secrets.webhook_secret || '<webhook secret>'}" \\`,
      `  --data-urlencode 'allowed_updates=["callback_query","message"]'`,
    ].join('\n');
    return (
      <Panel title="Connect Telegram's buttons">
        {idRow}
        <Value label="Webhook URL" value={url} />
        <p>
          With an https base URL the console calls setWebhook itself when you save or test. To do it by hand (or check it), run:
          {!secrets.webhook_secret && ' the webhook secret is the one you set on this channel; set a new one above to see it here.'}
        </p>
        <CopyableBlock text={call} label="Telegram setWebhook call" />
      </Panel>
    );
  }
  if (type === 'discord') {
    if (!channelId) return <Pending what="Interactions Endpoint URL" />;
    return (
      <Panel title="Connect Discord's buttons">
        {idRow}
        <Value label="Interactions Endpoint URL" value={`${base}/api/v1/discord/interactions/${channelId}`} />
        <p>
          In the Developer Portal, open the application → <b>General Information</b> and paste this into <b>Interactions Endpoint URL</b>. Discord checks it with a signed PING, which
          the console answers.
        </p>
      </Panel>
    );
  }
  if (type === 'webhook' && channelId) {
    return (
      <Panel title="Your receiver">
        {idRow}
        {secrets.secret && <Value label="Signing secret" value={secrets.secret} />}
        <p>
          Each event is a JSON POST with <code>X-Edictum-Signature: sha256=&lt;HMAC-SHA256(secret, "&lt;X-Edictum-Timestamp&gt;.&lt;raw body&gt;")&gt;</code>.
          {!secrets.secret && ' The secret is masked once saved; set your own above if the receiver needs to know it.'}
        </p>
      </Panel>
    );
  }
  return idRow ? <Panel title="Channel">{idRow}</Panel> : null;
}

function Panel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="flex min-w-0 flex-col gap-2 rounded-lg border border-slate-200 p-3 text-xs text-slate-600 dark:border-slate-800 dark:text-slate-400">
      <h3 className="text-sm font-medium text-slate-900 dark:text-slate-100">{title}</h3>
      {children}
    </section>
  );
}

function Pending({ what }: { what: string }) {
  return <p className="text-xs text-slate-500 dark:text-slate-400">Create the channel first: its {what} are shown here once it has an id.</p>;
}

function Value({ label, value }: { label: string; value: string }) {
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <span className="font-medium text-slate-700 dark:text-slate-300">{label}</span>
      <div className="flex min-w-0 items-center gap-2">
        <code className="min-w-0 flex-1 truncate rounded border border-slate-200 bg-slate-50 px-2 py-1 font-mono dark:border-slate-800 dark:bg-slate-950" title={value}>
          {value}
        </code>
        <CopyButton text={value} size="xs" variant="outline" aria-label={`Copy ${label.toLowerCase()}`} />
      </div>
    </div>
  );
}
