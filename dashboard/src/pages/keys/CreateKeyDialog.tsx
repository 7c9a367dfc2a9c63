import { useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { createKey } from '../../api/keys';
import { useQueryClient } from '../../api/query';
import type { CreatedApiKey } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { EnvBadge } from '../../components/EnvBadge';
import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';
import { Combobox, Input } from '../../components/ui/Field';
import { IconAlert } from '../../components/ui/icons';
import { useToast } from '../../components/ui/Toast';
import { ENV_PATTERN_HTML, validateEnv } from '../../lib/env';
import { SdkSnippets } from '../../components/SdkSnippets';

/** Step 1: label + environment. Step 2: the key, shown once, with a quick-start snippet. */
export function CreateKeyDialog({ open, onClose, envSuggestions, onCreated }: {
  open: boolean;
  onClose: () => void;
  envSuggestions: string[];
  onCreated?: (k: CreatedApiKey) => void;
}) {
  const [label, setLabel] = useState('');
  const [env, setEnv] = useState('production');
  const [errors, setErrors] = useState<{ label?: string; env?: string; form?: string }>({});
  const [submitting, setSubmitting] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const client = useQueryClient();
  const toast = useToast();

  const close = () => {
    onClose();
    // Forget the secret as soon as the dialog closes.
    setCreated(null);
    setLabel('');
    setEnv('production');
    setErrors({});
  };

  const submit = async () => {
    const envError = validateEnv(env.trim());
    const labelError = label.length > 255 ? 'At most 255 characters.' : undefined;
    if (envError || labelError) return setErrors({ env: envError, label: labelError });
    setErrors({});
    setSubmitting(true);
    try {
      const k = await createKey({ env: env.trim(), ...(label.trim() ? { label: label.trim() } : {}) });
      setCreated(k);
      client.invalidate('keys:');
      onCreated?.(k);
      toast.success(`API key ${k.label ? `“${k.label}” ` : ''}created for ${k.env}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        setErrors({ env: e.fieldMessage('env'), label: e.fieldMessage('label'), form: e.fieldMessage('env') || e.fieldMessage('label') ? undefined : errorMessage(e) });
      } else setErrors({ form: errorMessage(e) });
    } finally {
      setSubmitting(false);
    }
  };

  if (created) {
    return (
      <Dialog open={open} onClose={close} title="API key created" size="lg" footer={<Button variant="primary" onClick={close}>Done</Button>}>
        <KeyReveal created={created} />
      </Dialog>
    );
  }

  return (
    <Dialog
      open={open}
      onClose={close}
      dismissable={!submitting}
      title="Create API key"
      description="Agents use the key to fetch contracts, send audit events and ask for approvals in one environment."
      onSubmit={() => void submit()}
      footer={
        <>
          <Button variant="ghost" onClick={close} disabled={submitting}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={submitting}>
            Create key
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-4">
        {errors.form && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {errors.form}
          </p>
        )}
        <Input label="Label" placeholder="e.g. support-bot production" value={label} maxLength={255} onChange={(e) => setLabel(e.target.value)} error={errors.label} hint="Optional. Helps you recognise the key later." />
        <Combobox
          label="Environment"
          suggestions={envSuggestions}
          value={env}
          required
          pattern={ENV_PATTERN_HTML}
          maxLength={64}
          onChange={(e) => setEnv(e.target.value)}
          error={errors.env}
          hint="Pick one or type your own (letters, digits, . _ -)."
        />
      </div>
    </Dialog>
  );
}

export function KeyReveal({ created }: { created: CreatedApiKey }) {
  return (
    <div className="flex flex-col gap-4">
      <div role="alert" className="flex items-start gap-2 rounded-md border border-amber-400/50 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-500/10 dark:text-amber-200">
        <IconAlert size={16} className="mt-0.5 shrink-0" />
        <span>Copy this key now. It is shown only once; the console stores only a hash of it.</span>
      </div>
      <div className="flex flex-col gap-1.5">
        <div className="flex items-center gap-2 text-sm font-medium">
          <span id="new-key-label">{created.label || 'New key'}</span>
          <EnvBadge env={created.env} />
        </div>
        <div className="flex items-stretch gap-2">
          <input
            readOnly
            aria-label="API key"
            value={created.key}
            data-testid="created-api-key"
            onFocus={(e) => e.currentTarget.select()}
            className="min-w-0 flex-1 rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-sm leading-6 dark:border-slate-700 dark:bg-slate-950"
          />
          <CopyButton text={created.key} variant="primary" data-autofocus />
        </div>
      </div>
      <div>
        <h3 className="mb-2 text-sm font-medium">Quick start</h3>
        <SdkSnippets idBase="snippet" apiKey={created.key} env={created.env} />
      </div>
    </div>
  );
}
