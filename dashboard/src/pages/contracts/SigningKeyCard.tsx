import { Link } from 'react-router';
import { useSigningKey } from '../../api/bundles';
import { ApiError } from '../../api/client';
import { CopyButton } from '../../components/CopyButton';
import { Card, CardHeader } from '../../components/ui/Card';
import { ErrorState, Skeleton } from '../../components/ui/Feedback';
import { formatDateTime } from '../../lib/format';

/**
 * The active Ed25519 public key, for agents that pin it (verifySignatures + signingPublicKey).
 * `rotateHint` says where to rotate it: a link to the Danger zone on Contracts, and "below"
 * inside the Danger zone itself.
 */
export function SigningKeyCard({ rotateHint = 'link' }: { rotateHint?: 'link' | 'below' }) {
  const q = useSigningKey();
  return (
    <Card>
      <CardHeader title="Signing public key" description="Agents can pin this key to reject bundles not signed by this console." />
      <div className="p-4">
        {q.error instanceof ApiError && q.error.status === 404 ? (
          <p className="text-sm text-slate-500">No signing key yet. It is created with the first deploy (the server needs EDICTUM_SIGNING_KEY_SECRET).</p>
        ) : q.error && !q.data ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        ) : !q.data ? (
          <Skeleton className="h-10" />
        ) : (
          <div className="flex flex-col gap-2">
            <div className="flex items-stretch gap-2">
              <code className="min-w-0 flex-1 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 font-mono text-xs break-all dark:border-slate-800 dark:bg-slate-950" aria-label="Signing public key (hex)">
                {q.data.public_key}
              </code>
              <CopyButton text={q.data.public_key} size="sm" variant="outline" label="Copy key" />
            </div>
            <p className="text-xs text-slate-500">
              Ed25519, hex · active since {formatDateTime(q.data.created_at)}.{' '}
              {rotateHint === 'below' ? (
                'Rotate it with the action below.'
              ) : (
                <>
                  Rotate it in{' '}
                  <Link to="/settings?tab=danger" className="text-amber-600 underline dark:text-amber-400">
                    Settings → Danger zone
                  </Link>
                  .
                </>
              )}
            </p>
          </div>
        )}
      </div>
    </Card>
  );
}
