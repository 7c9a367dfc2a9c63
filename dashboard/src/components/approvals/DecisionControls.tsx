import { useEffect, useId, useRef, useState } from 'react';
import type { Approval } from '../../api/types';
import { Button } from '../ui/Button';
import { IconCheck, IconX } from '../ui/icons';
import { useApprovalClock } from './ApprovalTimer';
import { useDecide } from './use-decide';

/**
 * Approve in one click; Deny opens an inline reason field (Enter submits, Esc cancels).
 * Disabled once the approval has expired.
 */
export function DecisionControls({ approval, size = 'sm', denyOpen, onDenyOpenChange, layout = 'row' }: {
  approval: Approval;
  size?: 'xs' | 'sm';
  /** controlled deny form (keyboard triage opens it with "d") */
  denyOpen?: boolean;
  onDenyOpenChange?: (open: boolean) => void;
  layout?: 'row' | 'stack';
}) {
  const decide = useDecide();
  const { zone } = useApprovalClock(approval);
  const expired = zone === 'expired';
  const [localOpen, setLocalOpen] = useState(false);
  const open = denyOpen ?? localOpen;
  const setOpen = onDenyOpenChange ?? setLocalOpen;
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState<'approve' | 'deny' | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const id = useId();

  useEffect(() => {
    if (open) inputRef.current?.focus();
  }, [open]);

  const run = async (approved: boolean) => {
    setBusy(approved ? 'approve' : 'deny');
    try {
      await decide(approval, approved, approved ? undefined : reason.trim());
    } catch {
      /* toast shown by useDecide */
    } finally {
      setBusy(null);
    }
  };

  if (open && !expired) {
    return (
      <form
        className="flex w-full flex-wrap items-center gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim()) void run(false);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            setOpen(false);
          }
        }}
      >
        <label htmlFor={`${id}-reason`} className="sr-only">
          Reason for denying
        </label>
        <input
          ref={inputRef}
          id={`${id}-reason`}
          value={reason}
          maxLength={2000}
          onChange={(e) => setReason(e.target.value)}
          placeholder="Reason (sent back to the agent)"
          className="h-8 min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-2 text-sm dark:border-slate-700 dark:bg-slate-950"
        />
        <Button type="submit" size={size} variant="danger" loading={busy === 'deny'} disabled={!reason.trim()}>
          Confirm deny
        </Button>
        <Button size={size} variant="ghost" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </form>
    );
  }

  return (
    <div className={layout === 'row' ? 'flex flex-wrap items-center gap-2' : 'flex flex-col gap-2'}>
      <Button size={size} variant="success" disabled={expired} loading={busy === 'approve'} onClick={() => void run(true)}>
        <IconCheck size={14} /> Approve
      </Button>
      <Button size={size} variant="danger-outline" disabled={expired} onClick={() => setOpen(true)}>
        <IconX size={14} /> Deny
      </Button>
    </div>
  );
}
