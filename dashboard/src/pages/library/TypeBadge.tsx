import type { ContractType, Mode } from '../../api/library';
import { Badge, type Tone } from '../../components/ui/Badge';

const TONES: Record<ContractType, Tone> = { pre: 'amber', post: 'blue', session: 'violet', sandbox: 'emerald' };

export function TypeBadge({ type, className }: { type: ContractType; className?: string }) {
  return <Badge tone={TONES[type] ?? 'slate'} className={className}>{type}</Badge>;
}

export function ModeTag({ mode }: { mode: Mode }) {
  return <Badge tone={mode === 'observe' ? 'blue' : 'slate'}>{mode}</Badge>;
}
