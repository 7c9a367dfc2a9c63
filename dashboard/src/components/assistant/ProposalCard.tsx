import type { Proposal, ProofCall } from '../../api/ai';
import { Badge, type Tone } from '../ui/Badge';
import { Button } from '../ui/Button';

const OUTCOME_TONE: Record<string, Tone> = { denied: 'red', approval_required: 'amber', allowed: 'emerald', warned: 'amber', error: 'red' };
const outcomeLabel = (o: string) => (o === 'approval_required' ? 'approval' : o);

/** One proposal with its proofs: validity, what it decides for real calls, the replay counts; Apply only when valid. */
export function ProposalCard({ proposal, onApply }: { proposal: Proposal; onApply: (yaml: string) => void }) {
  const { proof } = proposal;
  const replay = proof.replay;
  return (
    <div className="rounded-lg border border-slate-200 dark:border-slate-800" data-testid="assistant-proposal">
      <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 px-3 py-2 dark:border-slate-800">
        {proof.valid ? <Badge tone="emerald" dot>Valid</Badge> : <Badge tone="red" dot>Invalid</Badge>}
        {proposal.repaired && <Badge tone="violet" title="The first draft failed validation and was repaired">Repaired</Badge>}
        {replay && (
          <Badge tone="blue" title={`${replay.events_evaluated} stored calls evaluated${replay.limited ? ' (the most recent only)' : ''}`}>
            Replayed on {replay.targeted_calls.toLocaleString()} calls
          </Badge>
        )}
        {proof.wrapped && <Badge tone="zinc" title="A contract, checked inside a bundle">Single contract</Badge>}
      </div>
      <div className="flex flex-col gap-2 p-3 text-sm">
        <p data-testid="proof-summary">{proof.summary}</p>
        {!proof.valid && (
          <ul className="list-disc pl-5 text-xs text-red-700 dark:text-red-400">
            {proof.errors.slice(0, 8).map((e, i) => (
              <li key={i}>
                {e.path ? `${e.path}: ` : ''}
                {e.message}
                {e.line ? ` (line ${e.line})` : ''}
              </li>
            ))}
          </ul>
        )}
        {replay && Object.keys(replay.counts).length > 0 && (
          <div className="flex flex-wrap gap-1" aria-label="Replay counts">
            {Object.entries(replay.counts).map(([k, n]) => (
              <Badge key={k} tone={OUTCOME_TONE[k] ?? 'slate'}>
                {outcomeLabel(k)}: {n.toLocaleString()}
              </Badge>
            ))}
            {replay.changed > 0 && <Badge tone="violet">{replay.changed.toLocaleString()} differ from what happened</Badge>}
          </div>
        )}
        {proof.samples.length > 0 && <Samples calls={replay && replay.examples.length > 0 ? replay.examples : proof.samples} />}
        <details>
          <summary className="cursor-pointer text-xs text-slate-500">YAML</summary>
          <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs dark:bg-slate-900">{proposal.yaml}</pre>
        </details>
        <div>
          {proposal.applicable ? (
            <Button size="sm" variant="primary" onClick={() => onApply(proposal.yaml)}>
              Apply to editor
            </Button>
          ) : (
            <p className="text-xs text-slate-500">Not offered for the editor: it did not validate.</p>
          )}
        </div>
      </div>
    </div>
  );
}

function Samples({ calls }: { calls: ProofCall[] }) {
  return (
    <table className="w-full table-fixed text-xs" aria-label="Real calls and what the proposal decides">
      <thead>
        <tr className="text-left text-slate-500">
          <th className="w-24 font-medium">Tool</th>
          <th className="font-medium">Arguments</th>
          <th className="w-28 font-medium">Would be</th>
        </tr>
      </thead>
      <tbody>
        {calls.map((c) => (
          <tr key={c.call_id} className="align-top">
            <td className="truncate font-mono" title={c.agent_id}>{c.tool}</td>
            <td className="truncate font-mono" title={c.args}>{c.args}</td>
            <td>
              <Badge tone={OUTCOME_TONE[c.outcome] ?? 'slate'} title={c.contract ?? undefined}>{outcomeLabel(c.outcome)}</Badge>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
