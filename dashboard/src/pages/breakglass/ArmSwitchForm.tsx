import { useState, type FormEvent } from 'react';
import { armSwitch, type SwitchKind } from '../../api/breakglass';
import { ApiError, errorMessage } from '../../api/client';
import { useQueryClient } from '../../api/query';
import { Button } from '../../components/ui/Button';
import { Card, CardHeader } from '../../components/ui/Card';
import { Input, Select, Textarea } from '../../components/ui/Field';
import { useToast } from '../../components/ui/Toast';

const KINDS: { key: SwitchKind; label: string; help: string }[] = [
  { key: 'freeze_tool', label: 'Freeze a tool', help: 'Every call to the tool (a name or glob such as db_*) is denied, fleet-wide or for one agent.' },
  { key: 'stop_side_effects', label: 'Stop side-effecting tools', help: 'Every tool a deployed bundle marks write or irreversible under tools: is denied.' },
  { key: 'quarantine_agent', label: 'Quarantine an agent', help: 'Revokes the API keys its live streams use (a key shared with other agents cuts them off too), closes its streams, denies its pending approvals and every call it makes.' },
];

const DURATIONS = [15, 60, 240, 1440];

export function ArmSwitchForm({ admins }: { admins: number }) {
  const [kind, setKind] = useState<SwitchKind>('freeze_tool');
  const [tool, setTool] = useState('');
  const [agent, setAgent] = useState('');
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState(60);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | string | null>(null);
  const client = useQueryClient();
  const toast = useToast();
  const field = (name: string) => (error instanceof ApiError ? error.fieldMessage(name) : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const s = await armSwitch({
        kind,
        ...(kind === 'freeze_tool' ? { tool: tool.trim() } : {}),
        ...(agent.trim() && kind !== 'stop_side_effects' ? { agent_id: agent.trim() } : {}),
        reason: reason.trim(),
        duration_minutes: minutes,
      });
      client.invalidate('breakglass:');
      toast.success(s.status === 'pending' ? 'Switch armed: waiting for another admin to confirm' : 'Switch armed and pushed to agents');
      setReason('');
    } catch (err) {
      setError(err instanceof ApiError ? err : errorMessage(err));
    } finally {
      setPending(false);
    }
  };

  return (
    <Card>
      <CardHeader
        title="Arm a switch"
        description={
          admins >= 2
            ? 'This tenant has several admins: another admin must confirm before the switch takes effect.'
            : 'Takes effect at once: agents get their deployed bundle plus a deny rule, signed, until the switch ends.'
        }
      />
      <form className="grid gap-4 p-4 sm:grid-cols-2" onSubmit={(e) => void submit(e)}>
        <Select label="Switch" value={kind} onChange={(e) => setKind(e.target.value as SwitchKind)} hint={KINDS.find((k) => k.key === kind)?.help} error={field('kind')}>
          {KINDS.map((k) => (
            <option key={k.key} value={k.key}>
              {k.label}
            </option>
          ))}
        </Select>
        <Select label="Duration" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} error={field('duration_minutes')}>
          {DURATIONS.map((m) => (
            <option key={m} value={m}>
              {m < 60 ? `${m} minutes` : m === 60 ? '1 hour' : m < 1440 ? `${m / 60} hours` : '24 hours'}
            </option>
          ))}
        </Select>
        {kind === 'freeze_tool' && <Input label="Tool" value={tool} onChange={(e) => setTool(e.target.value)} placeholder="send_email or db_*" error={field('tool')} required />}
        {kind !== 'stop_side_effects' && (
          <Input
            label={kind === 'quarantine_agent' ? 'Agent id' : 'Agent id (optional: empty freezes fleet-wide)'}
            value={agent}
            onChange={(e) => setAgent(e.target.value)}
            error={field('agent_id')}
            required={kind === 'quarantine_agent'}
          />
        )}
        <Textarea label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} wrapperClassName="sm:col-span-2" rows={2} error={field('reason')} required />
        {typeof error === 'string' || (error && !error.problems.length) ? (
          <p role="alert" className="text-sm text-red-600 sm:col-span-2 dark:text-red-400">
            {typeof error === 'string' ? error : error.detail}
          </p>
        ) : null}
        <div className="sm:col-span-2">
          <Button type="submit" variant="danger" loading={pending}>
            Arm switch
          </Button>
        </div>
      </form>
    </Card>
  );
}
