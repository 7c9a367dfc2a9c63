import { useState, type ReactNode } from 'react';
import { useMe } from '../../api/auth';
import { deployBundle, uploadBundle, useBundles } from '../../api/bundles';
import { errorMessage } from '../../api/client';
import { useKeys } from '../../api/keys';
import { useQueryClient } from '../../api/query';
import type { CreatedApiKey } from '../../api/types';
import { CodeBlock } from '../../components/CodeBlock';
import { Button } from '../../components/ui/Button';
import { Card } from '../../components/ui/Card';
import { Combobox } from '../../components/ui/Field';
import { IconCheck, IconX } from '../../components/ui/icons';
import { Tabs } from '../../components/ui/Tabs';
import { useToast } from '../../components/ui/Toast';
import { useLiveEvent } from '../../live/LiveProvider';
import { cn } from '../../lib/cn';
import { envOptions, validateEnv } from '../../lib/env';
import { pythonSnippet, tsSnippet } from '../../lib/snippets';
import { STARTER_BUNDLE_NAME, STARTER_BUNDLE_YAML } from '../../lib/starter-bundle';
import { CreateKeyDialog } from '../keys/CreateKeyDialog';

export const WIZARD_FLAG = 'edictum_wizard_completed';

/**
 * First steps on an empty console: key → SDK snippet (real base URL and key) → starter bundle →
 * waiting for the first agent, which flips live on agent_connected / event_created.
 */
export function GettingStarted({ onDismiss, agentSeen }: { onDismiss: () => void; agentSeen: boolean }) {
  const me = useMe();
  const isAdmin = me.data?.is_admin ?? false;
  const keys = useKeys();
  const bundles = useBundles();
  const client = useQueryClient();
  const toast = useToast();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [lang, setLang] = useState<'python' | 'typescript'>('python');
  const [env, setEnv] = useState('');
  const [deploying, setDeploying] = useState(false);
  const [liveSeen, setLiveSeen] = useState(false);
  useLiveEvent('agent_connected', () => setLiveSeen(true));
  useLiveEvent('event_created', () => setLiveSeen(true));

  const hasKey = !!created || (keys.data?.length ?? 0) > 0;
  const keyEnv = created?.env ?? keys.data?.[0]?.env ?? 'production';
  const deployEnv = env || keyEnv;
  const deployed = (bundles.data ?? []).some((b) => b.deployed_envs.length > 0);
  const connected = agentSeen || liveSeen;
  const keyText = created?.key ?? (keys.data?.[0] ? `${keys.data[0].prefix}…  # the full key was shown once when it was created` : 'edk_<env>_<your key>');

  const deployStarter = async () => {
    const envError = validateEnv(deployEnv);
    if (envError) return toast.error(envError);
    setDeploying(true);
    try {
      const b = await uploadBundle(STARTER_BUNDLE_YAML);
      await deployBundle(b.name, b.version, deployEnv);
      toast.success(`Deployed ${b.name} v${b.version} to ${deployEnv}`);
      client.invalidate('bundles:');
    } catch (e) {
      toast.error(`Could not deploy the starter bundle: ${errorMessage(e)}`);
    } finally {
      setDeploying(false);
    }
  };

  return (
    <Card className="overflow-hidden">
      <div className="flex items-start justify-between gap-3 border-b border-slate-200 bg-amber-500/5 px-5 py-4 dark:border-slate-800">
        <div>
          <h2 className="text-base font-semibold">Get your first agent governed</h2>
          <p className="mt-0.5 text-sm text-slate-600 dark:text-slate-400">Four steps, about five minutes. Each can be skipped.</p>
        </div>
        <Button size="sm" variant="ghost" onClick={onDismiss} aria-label="Hide getting started">
          <IconX size={16} />
        </Button>
      </div>
      <ol className="divide-y divide-slate-200 dark:divide-slate-800">
        <Step n={1} done={hasKey} title="Create an API key">
          {hasKey ? (
            <p>{created ? `Key created for ${created.env}. It is in the snippet below; it will not be shown again.` : 'You have a key. Create another per environment on the API Keys page.'}</p>
          ) : isAdmin ? (
            <>
              <p>Agents authenticate with a key bound to one environment.</p>
              <Button size="sm" variant="primary" className="mt-2" onClick={() => setCreating(true)}>
                Create API key
              </Button>
            </>
          ) : (
            <p>Ask an admin to create an API key.</p>
          )}
        </Step>
        <Step n={2} done={connected} title="Install the SDK in your agent">
          <Tabs
            idBase="gs-lang"
            label="SDK language"
            value={lang}
            onChange={setLang}
            items={[
              { key: 'python', label: 'Python' },
              { key: 'typescript', label: 'TypeScript' },
            ]}
          />
          <div role="tabpanel" id="gs-lang-panel" className="mt-2">
            <CodeBlock label="SDK setup snippet">{lang === 'python' ? pythonSnippet(keyText, keyEnv) : tsSnippet(keyText, keyEnv)}</CodeBlock>
          </div>
        </Step>
        <Step n={3} done={deployed} title="Deploy a starter bundle">
          {deployed ? (
            <p>A contract bundle is deployed. Agents in that environment receive it on connect.</p>
          ) : (
            <>
              <p>Blocks reads of secret files and sends destructive shell commands for approval. You can edit it later on Contracts.</p>
              <div className="mt-2 flex flex-wrap items-end gap-2">
                <Combobox label="Environment" suggestions={envOptions((keys.data ?? []).map((k) => k.env))} value={deployEnv} onChange={(e) => setEnv(e.target.value)} wrapperClassName="w-48" />
                <Button size="md" variant="primary" loading={deploying} onClick={() => void deployStarter()}>
                  Deploy {STARTER_BUNDLE_NAME} bundle
                </Button>
              </div>
            </>
          )}
        </Step>
        <Step n={4} done={connected} title={connected ? 'Your first agent is reporting' : 'Waiting for your first agent…'}>
          {connected ? (
            <div className="flex flex-wrap items-center gap-3">
              <p>Events are arriving. The overview fills in as your agents work.</p>
              <Button size="sm" variant="primary" onClick={onDismiss}>
                Finish
              </Button>
            </div>
          ) : (
            <p className="flex items-center gap-2" role="status">
              <span className="relative flex size-2.5" aria-hidden="true">
                <span className="absolute inline-flex size-full animate-ping rounded-full bg-amber-400 opacity-75" />
                <span className="relative inline-flex size-2.5 rounded-full bg-amber-500" />
              </span>
              Listening live. Run your agent with the snippet above; this step completes on its first connection or event.
            </p>
          )}
        </Step>
      </ol>
      <CreateKeyDialog open={creating} onClose={() => setCreating(false)} envSuggestions={envOptions([])} onCreated={setCreated} />
    </Card>
  );
}

function Step({ n, done, title, children }: { n: number; done: boolean; title: string; children: ReactNode }) {
  return (
    <li className="flex gap-4 px-5 py-4">
      <span
        aria-hidden="true"
        className={cn(
          'flex size-7 shrink-0 items-center justify-center rounded-full text-xs font-semibold',
          done ? 'bg-emerald-500 text-white' : 'bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
        )}
      >
        {done ? <IconCheck size={14} /> : n}
      </span>
      <div className="min-w-0 flex-1 text-sm text-slate-600 dark:text-slate-400">
        <h3 className="mb-1 font-medium text-slate-900 dark:text-slate-100">
          {title}
          {done && <span className="sr-only"> (done)</span>}
        </h3>
        {children}
      </div>
    </li>
  );
}
