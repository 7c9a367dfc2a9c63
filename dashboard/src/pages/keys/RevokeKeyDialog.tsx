import { useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { revokeKey } from '../../api/keys';
import { useQueryClient } from '../../api/query';
import type { ApiKey } from '../../api/types';
import { EnvBadge } from '../../components/EnvBadge';
import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';
import { IconAlert } from '../../components/ui/icons';
import { useToast } from '../../components/ui/Toast';

export function RevokeKeyDialog({ apiKey, onClose }: { apiKey: ApiKey | null; onClose: () => void }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const client = useQueryClient();
  const toast = useToast();

  const close = () => {
    setError(null);
    onClose();
  };

  const confirm = async () => {
    if (!apiKey) return;
    setPending(true);
    setError(null);
    try {
      await revokeKey(apiKey.id);
      client.setData<ApiKey[]>('keys:list', (old) => old?.filter((k) => k.id !== apiKey.id));
      client.invalidate('keys:');
      toast.success(`Revoked ${apiKey.label ? `“${apiKey.label}”` : apiKey.prefix}`);
      close();
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        client.invalidate('keys:');
        toast.info('That key was already revoked.');
        close();
      } else setError(errorMessage(e));
    } finally {
      setPending(false);
    }
  };

  return (
    <Dialog
      open={!!apiKey}
      onClose={close}
      dismissable={!pending}
      size="md"
      title="Revoke API key?"
      footer={
        <>
          <Button variant="ghost" onClick={close} disabled={pending}>
            Cancel
          </Button>
          <Button variant="danger" loading={pending} onClick={() => void confirm()}>
            Revoke key
          </Button>
        </>
      }
    >
      {apiKey && (
        <div className="flex flex-col gap-3 text-sm">
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-medium">{apiKey.label || 'Unlabelled key'}</span>
            <code className="font-mono text-xs text-slate-500">{apiKey.prefix}…</code>
            <EnvBadge env={apiKey.env} />
          </div>
          <div className="flex items-start gap-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-red-800 dark:border-red-900/60 dark:bg-red-950/30 dark:text-red-300">
            <IconAlert size={16} className="mt-0.5 shrink-0" />
            <p>
              Agents connected with this key will be cut off immediately: their live stream closes and every further request is refused. This cannot be undone; they need a new key.
            </p>
          </div>
          {error && (
            <p role="alert" className="text-red-600 dark:text-red-400">
              {error}
            </p>
          )}
        </div>
      )}
    </Dialog>
  );
}
