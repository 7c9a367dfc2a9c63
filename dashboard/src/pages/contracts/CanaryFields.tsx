import { labelNames, useFleetLabels } from '../../api/agents';
import { Combobox, Input } from '../../components/ui/Field';

/** What the admin sets for a canary (POST /api/v1/rollouts/canary); text as typed, parsed on submit. */
export interface CanaryForm {
  percent: string;
  label: string;
  steps: string;
  bake: string;
  deny: string;
  approvals: string;
  errors: string;
  failed: string;
}

export const CANARY_DEFAULTS: CanaryForm = { percent: '10', label: '', steps: '50, 100', bake: '600', deny: '5', approvals: '5', errors: '5', failed: '0' };

/** The canary body, or the first problem as a sentence. */
export function canaryBody(f: CanaryForm): { ok: true; body: { slice_percent?: number; slice_label?: string; steps: number[]; bake_seconds: number; thresholds: Record<string, number> } } | { ok: false; error: string } {
  const percent = f.percent.trim() === '' ? undefined : Number(f.percent);
  if (percent !== undefined && !(percent > 0 && percent < 100)) return { ok: false, error: 'Slice: a percentage between 0 and 100.' };
  const label = f.label.trim() || undefined;
  if (percent === undefined && !label) return { ok: false, error: 'Name a slice: a percentage, a label, or both.' };
  const steps = f.steps.split(',').map((s) => Number(s.trim()));
  if (steps.some((s) => !Number.isInteger(s) || s < 1 || s > 100) || steps[steps.length - 1] !== 100) return { ok: false, error: 'Steps: whole percentages, ascending, ending at 100.' };
  const bake = Number(f.bake);
  if (!Number.isInteger(bake) || bake < 10) return { ok: false, error: 'Bake time: at least 10 seconds.' };
  const rate = (s: string) => Number(s) / 100;
  return {
    ok: true,
    body: {
      ...(percent !== undefined ? { slice_percent: percent } : {}),
      ...(label ? { slice_label: label } : {}),
      steps,
      bake_seconds: bake,
      thresholds: { deny_rate_increase: rate(f.deny), approval_rate_increase: rate(f.approvals), tool_error_rate_increase: rate(f.errors), failed_activations: Number(f.failed) },
    },
  };
}

/** How many agents carry `label` in `env`: set on them, or given by a rule of that env. */
function carrying(data: ReturnType<typeof useFleetLabels>['data'], label: string, env: string): number {
  return (data?.agents ?? []).filter((a) => a.labels.includes(label) || a.rule_labels.some((r) => r.label === label && r.env === env)).length;
}

export function CanaryFields({ value, onChange, env }: { value: CanaryForm; onChange: (f: CanaryForm) => void; env: string }) {
  // The labels that exist in the fleet: on agents, or given by rules of this env.
  const fleet = useFleetLabels();
  const label = value.label.trim();
  const count = label ? carrying(fleet.data, label, env) : null;
  const set = (k: keyof CanaryForm) => (e: { target: { value: string } }) => onChange({ ...value, [k]: e.target.value });
  return (
    <div className="grid gap-3 sm:grid-cols-2" aria-label="Canary settings" role="group">
      <Input label="Slice (% of matching agents)" inputMode="decimal" value={value.percent} onChange={set('percent')} hint="Stable by agent id." />
      <Combobox
        label="Or agents labelled"
        suggestions={labelNames(fleet.data, env)}
        value={value.label}
        onChange={set('label')}
        placeholder={fleet.data && labelNames(fleet.data, env).length === 0 ? 'no labels in the fleet yet' : 'choose a label'}
        hint={count === null ? 'Set labels on the Agents page or on a rule.' : `${count} ${count === 1 ? 'agent carries' : 'agents carry'} it; the slice takes those running this bundle in ${env || 'this env'}.`}
      />
      <Input label="Widen in steps (%)" value={value.steps} onChange={set('steps')} hint="After each bake without a breach; 100 deploys to all." />
      <Input label="Bake time (seconds)" inputMode="numeric" value={value.bake} onChange={set('bake')} />
      <Input label="Max deny-rate rise (points)" inputMode="decimal" value={value.deny} onChange={set('deny')} />
      <Input label="Max approval-rate rise (points)" inputMode="decimal" value={value.approvals} onChange={set('approvals')} />
      <Input label="Max tool-error-rate rise (points)" inputMode="decimal" value={value.errors} onChange={set('errors')} />
      <Input label="Failed activations allowed" inputMode="numeric" value={value.failed} onChange={set('failed')} />
    </div>
  );
}
