import { useState, type ReactNode } from 'react';
import { useMe } from '../../api/auth';
import { deployBundle, uploadBundle, useBundles } from '../../api/bundles';
import { errorMessage } from '../../api/client';
import { useHealthDetails } from '../../api/health';
import { useKeys } from '../../api/keys';
import { useQueryClient } from '../../api/query';
import type { CreatedApiKey } from '../../api/types';
import type { StatsOverview } from '../../api/types';
import { SdkSnippets } from '../../components/SdkSnippets';
import { Button } from '../../components/ui/Button';
import { Card } from '../../components/ui/Card';
import { Combobox } from '../../components/ui/Field';
import { IconCheck, IconX } from '../../components/ui/icons';
import { useToast } from '../../components/ui/Toast';
import { cn } from '../../lib/cn';
import { envOptions, validateEnv } from '../../lib/env';
import { STARTER_BUNDLE_NAME, STARTER_BUNDLE_YAML } from '../../lib/starter-bundle';
import { CreateKeyDialog } from '../keys/CreateKeyDialog';

export const WIZARD_FLAG = 'edictum_wizard_completed';

/**
 * First steps on an empty console: key → SDK snippet (real base URL, the key once, the starter
 * bundle by name) → deploy the starter bundle → the first agent. The last step reads the same
 * overview numbers the stats bar beside it shows (refreshed live on agent_connected and
 * event_created), so the two never disagree.
 */
export function GettingStarted({ onDismiss, stats }: { onDismiss: () => void; stats: StatsOverview | undefined }) {
  const me = useMe();
  const isAdmin = me.data?.is_admin ?? false;
  const keys = useKeys();
  const bundles = useBundles();
  const client = useQueryClient();
  const toast = useToast();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [env, setEnv] = useState('');
  const [deploying, setDeploying] = useState(false);

  const hasKey = !!created || (keys.data?.length ?? 0) > 0;
  const keyEnv = created?.env ?? keys.data?.[0]?.env ?? 'production';
  const deployEnv = env || keyEnv;
  const starter = (bundles.data ?? []).find((b) => b.name === STARTER_BUNDLE_NAME);
  const deployed = !!starter && starter.deployed_envs.length > 0;
  const agents = stats?.total_agents ?? 0;
  const events = stats?.events_24h ?? 0;
  // Done when the stats bar below counts the agent (it counts agents by their events), so the
  // step and the numbers never disagree; a live connection without events yet is said apart.
  const reporting = agents > 0 || events > 0;
  const connectedNow = useHealthDetails().data?.connected_agents ?? 0;

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
            <p>
              {created
                ? `Key created for ${created.env}. It is in the shell lines below; it will not be shown again.`
                : `You have a key for ${keyEnv}. Use the key you copied when you created it; create another per environment on the API Keys page.`}
            </p>
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
        <Step n={2} done={reporting || connectedNow > 0} title="Install the SDK in your agent">
          <p className="mb-2">
            The agent asks for the <code className="font-mono">{STARTER_BUNDLE_NAME}</code> bundle in <code className="font-mono">{keyEnv}</code>, the environment of its key.
          </p>
          <SdkSnippets idBase="gs-lang" apiKey={created?.key} env={keyEnv} bundleName={STARTER_BUNDLE_NAME} />
        </Step>
        <Step n={3} done={deployed} title="Deploy a starter bundle">
          {deployed ? (
            <p>
              The {STARTER_BUNDLE_NAME} bundle is deployed to {starter.deployed_envs.join(', ')}. Agents in {starter.deployed_envs.length > 1 ? 'those environments' : 'that environment'} that name it receive it on connect.
            </p>
          ) : (
            <>
              <p>Blocks reads of secret files and sends destructive shell commands for approval. You can edit it later on Contracts.</p>
              <div className="mt-2 flex flex-wrap items-end gap-2">
                <Combobox label="Environment" suggestions={envOptions((keys.data ?? []).map((k) => k.env))} value={deployEnv} onChange={(e) => setEnv(e.target.value)} wrapperClassName="w-48" />
                <Button size="md" variant="primary" loading={deploying} onClick={() => void deployStarter()}>
                  Deploy {STARTER_BUNDLE_NAME} bundle
                </Button>
              </div>
              {hasKey && deployEnv !== keyEnv && (
                <p className="mt-2 text-amber-700 dark:text-amber-300">
                  Your key is for {keyEnv}: an agent using it asks for the bundle in {keyEnv}, not {deployEnv}.
                </p>
              )}
            </>
          )}
        </Step>
        <Step n={4} done={reporting} title={reporting ? 'Your first agent is reporting' : connectedNow > 0 ? 'Your first agent is connected' : 'Waiting for your first agent…'}>
          {reporting ? (
            <div className="flex flex-wrap items-center gap-3">
              <p>{`${plural(agents, 'agent')}, ${plural(events, 'event')} in the last 24 hours. The overview fills in as your agents work.`}</p>
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
              {connectedNow > 0
                ? `${plural(connectedNow, 'agent')} connected and governed; the numbers below count an agent from its first tool call.`
                : 'Listening live. Run your agent with the snippet above; this step completes with its first tool call.'}
            </p>
          )}
        </Step>
      </ol>
      <CreateKeyDialog open={creating} onClose={() => setCreating(false)} envSuggestions={envOptions([])} onCreated={setCreated} />
    </Card>
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
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
