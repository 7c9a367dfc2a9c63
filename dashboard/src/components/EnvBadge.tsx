import { Badge } from './ui/Badge';
import { envTone } from '../lib/env';

export function EnvBadge({ env, className }: { env: string | null | undefined; className?: string }) {
  if (!env) return <Badge tone="zinc" className={className}>—</Badge>;
  return (
    <Badge tone={envTone(env)} className={className} dot>
      {env}
    </Badge>
  );
}
