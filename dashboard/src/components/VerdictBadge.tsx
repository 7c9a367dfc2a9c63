import { Badge } from './ui/Badge';
import { classifyVerdict, VERDICT_TONE, verdictLabel } from '../lib/verdict';

/** `agentWord`: the agent's own verdict when its SDK generation names it differently (shown on hover). */
export function VerdictBadge({ verdict, mode, agentWord }: { verdict: string; mode?: string | null; agentWord?: string | null }) {
  const cls = classifyVerdict(verdict, mode);
  const title = agentWord && agentWord !== verdict ? `${verdict} (the agent sent ${agentWord})` : verdict;
  return (
    <Badge tone={VERDICT_TONE[cls]} dot title={title}>
      {verdictLabel(verdict)}
    </Badge>
  );
}

export function ModeBadge({ mode }: { mode: string }) {
  return <Badge tone={mode === 'observe' ? 'blue' : 'amber'}>{mode}</Badge>;
}
