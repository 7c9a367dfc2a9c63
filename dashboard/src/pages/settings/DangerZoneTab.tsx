import { useState, type ReactNode } from 'react';
import { useMe } from '../../api/auth';
import { errorMessage } from '../../api/client';
import { useQueryClient } from '../../api/query';
import { purgeEvents, rotateSigningKey } from '../../api/settings';
import { SigningKeyCard } from '../contracts/SigningKeyCard';
import { Button } from '../../components/ui/Button';
import { Card } from '../../components/ui/Card';
import { Dialog } from '../../components/ui/Dialog';
import { Input, Select } from '../../components/ui/Field';
import { useToast } from '../../components/ui/Toast';
import { formatNumber } from '../../lib/format';

export default function DangerZoneTab() {
  const me = useMe();
  const isAdmin = me.data?.is_admin ?? false;
  const client = useQueryClient();
  const toast = useToast();
  const [rotateOpen, setRotateOpen] = useState(false);
  const [purgeOpen, setPurgeOpen] = useState(false);
  const [days, setDays] = useState('90');

  return (
    <div className="flex flex-col gap-4">
      {!isAdmin && <p className="text-sm text-slate-500">Only admins can use these actions.</p>}
      <SigningKeyCard rotateHint="below" />
      <DangerCard
        title="Rotate signing key"
        body="Creates a new Ed25519 key pair, re-signs every active deployment with it and pushes the re-signed bundles, with the new public key, to connected agents. An agent configured with the old public key (signingPublicKey) rejects them until it is given the new one."
        action={
          <Button variant="danger" disabled={!isAdmin} onClick={() => setRotateOpen(true)}>
            Rotate signing key
          </Button>
        }
      />
      <DangerCard
        title="Purge old events"
        body="Deletes audit events older than the chosen age. This cannot be undone; export what you need to keep first."
        action={
          <div className="flex items-end gap-2">
            <Select label="Older than" value={days} onChange={(e) => setDays(e.target.value)} wrapperClassName="w-32" disabled={!isAdmin}>
              <option value="30">30 days</option>
              <option value="60">60 days</option>
              <option value="90">90 days</option>
              <option value="180">180 days</option>
              <option value="365">1 year</option>
            </Select>
            <Button variant="danger" disabled={!isAdmin} onClick={() => setPurgeOpen(true)}>
              Purge events
            </Button>
          </div>
        }
      />
      <TypedConfirm
        open={rotateOpen}
        onClose={() => setRotateOpen(false)}
        title="Rotate the signing key?"
        phrase="rotate"
        confirmLabel="Rotate key"
        description="Agents pinning the current public key will refuse new bundles until updated."
        run={async () => {
          const r = await rotateSigningKey();
          client.invalidate('settings:signing-key');
          const n = r.deployments_re_signed;
          toast.success(`New signing key ${r.public_key.slice(0, 12)}…; ${formatNumber(n)} ${n === 1 ? 'deployment' : 'deployments'} re-signed`);
        }}
      />
      <TypedConfirm
        open={purgeOpen}
        onClose={() => setPurgeOpen(false)}
        title={`Purge events older than ${days} days?`}
        phrase="purge events"
        confirmLabel="Purge events"
        description="Deleted events cannot be recovered."
        run={async () => {
          const r = await purgeEvents(Number(days));
          client.invalidate('stats:');
          client.invalidate('home:');
          toast.success(`Deleted ${formatNumber(r.deleted_count)} events older than ${new Date(r.cutoff).toLocaleDateString()}`);
        }}
      />
    </div>
  );
}

function DangerCard({ title, body, action }: { title: string; body: string; action: ReactNode }) {
  return (
    <Card className="flex flex-col gap-3 border-red-300 p-4 sm:flex-row sm:items-end sm:justify-between dark:border-red-900/60">
      <div className="max-w-xl">
        <h3 className="font-semibold text-red-700 dark:text-red-400">{title}</h3>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{body}</p>
      </div>
      {action}
    </Card>
  );
}

/** Confirmation that needs the exact phrase typed, for actions that cannot be undone. */
function TypedConfirm({ open, onClose, title, phrase, confirmLabel, description, run }: {
  open: boolean;
  onClose: () => void;
  title: string;
  phrase: string;
  confirmLabel: string;
  description: string;
  run: () => Promise<void>;
}) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setText('');
    setError(null);
    onClose();
  };
  const ok = text.trim() === phrase;
  return (
    <Dialog
      open={open}
      onClose={close}
      dismissable={!busy}
      title={title}
      description={description}
      onSubmit={async () => {
        if (!ok) return;
        setBusy(true);
        setError(null);
        try {
          await run();
          close();
        } catch (e) {
          setError(errorMessage(e));
        } finally {
          setBusy(false);
        }
      }}
      footer={
        <>
          <Button variant="ghost" onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" disabled={!ok} loading={busy}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-2">
        <Input label={`Type “${phrase}” to confirm`} value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" spellCheck={false} />
        {error && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {error}
          </p>
        )}
      </div>
    </Dialog>
  );
}
