import { Badge } from './ui/Badge';
import { classifyVerdict, VERDICT_TONE, verdictLabel } from '../lib/verdict';

export function VerdictBadge({ verdict, mode }: { verdict: string; mode?: string | null }) {
  const cls = classifyVerdict(verdict, mode);
  return (
    <Badge tone={VERDICT_TONE[cls]} dot title={verdict}>
      {verdictLabel(verdict)}
    </Badge>
  );
}

export function ModeBadge({ mode }: { mode: string }) {
  return <Badge tone={mode === 'observe' ? 'blue' : 'amber'}>{mode}</Badge>;
}
