import type { Tone } from '../components/ui/Badge';

export type VerdictClass = 'allowed' | 'denied' | 'observed' | 'pending' | 'other';

/** Same classification as the server's histogram (console-api 1.8). */
export function classifyVerdict(verdict: string, mode?: string | null): VerdictClass {
  const v = verdict.toLowerCase();
  if (mode === 'observe' && (v === 'call_would_deny' || v === 'call_denied')) return 'observed';
  if (v === 'allowed' || v === 'call_allowed' || v === 'call_executed') return 'allowed';
  if (v === 'denied' || v === 'call_denied' || v === 'would_deny' || v === 'call_would_deny') return 'denied';
  if (v === 'pending' || v === 'pending_approval' || v.startsWith('call_approval')) return 'pending';
  return 'other';
}

export const VERDICT_TONE: Record<VerdictClass, Tone> = {
  allowed: 'emerald',
  denied: 'red',
  observed: 'blue',
  pending: 'amber',
  other: 'zinc',
};

/** "call_would_deny" → "would deny" */
export function verdictLabel(verdict: string): string {
  return verdict.replace(/^call_/, '').replace(/_/g, ' ');
}

export const KNOWN_VERDICTS = [
  'call_allowed',
  'call_denied',
  'call_would_deny',
  'call_executed',
  'call_failed',
  'call_approval_requested',
  'call_approval_granted',
  'call_approval_denied',
  'call_approval_timeout',
];

export const HIST_COLORS = {
  allowed: '#10b981',
  denied: '#ef4444',
  observed: '#3b82f6',
  pending: '#f59e0b',
} as const;
