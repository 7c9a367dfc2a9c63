import { lazy, Suspense } from 'react';
import type { EventSourceRef } from '../../api/library';

// The dialog carries CodeMirror: Events and Approvals load it only when someone opens it.
const FromEventDialog = lazy(() => import('./FromEventDialog').then((m) => ({ default: m.FromEventDialog })));

export function CreateContractDialog({ source, onClose }: { source: EventSourceRef | null; onClose: () => void }) {
  if (!source) return null;
  return (
    <Suspense fallback={null}>
      <FromEventDialog source={source} onClose={onClose} />
    </Suspense>
  );
}
