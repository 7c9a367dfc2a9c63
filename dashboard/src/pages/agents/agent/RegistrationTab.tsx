import { useEffect, useState } from 'react';
import { patchRegistration, useRegistrations } from '../../../api/agents';
import { useBundles } from '../../../api/bundles';
import { errorMessage } from '../../../api/client';
import { useQueryClient } from '../../../api/query';
import { Button } from '../../../components/ui/Button';
import { Card, CardHeader } from '../../../components/ui/Card';
import { EmptyState, ErrorState, SkeletonRows } from '../../../components/ui/Feedback';
import { Input, Select } from '../../../components/ui/Field';
import { TagInput } from '../../../components/ui/TagInput';
import { useToast } from '../../../components/ui/Toast';
import { formatDateTime } from '../../../lib/format';
import { parseTags, tagItems, validateTag } from '../rules/RuleDialog';
import { ResolvePanel } from '../rules/ResolvePanel';

/** Display name, tags and an explicit bundle assignment (which wins over rules). */
export function RegistrationTab({ agentId }: { agentId: string }) {
  const regs = useRegistrations();
  const bundles = useBundles();
  const client = useQueryClient();
  const toast = useToast();
  const reg = regs.data?.find((r) => r.agent_id === agentId);
  const [name, setName] = useState('');
  const [tags, setTags] = useState<string[]>([]);
  const [bundle, setBundle] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!reg) return;
    setName(reg.display_name ?? '');
    setTags(tagItems(reg.tags));
    setBundle(reg.bundle_name ?? '');
  }, [reg]);

  if (regs.error && !regs.data) return <ErrorState error={regs.error} onRetry={() => void regs.refetch()} />;
  if (!regs.data) return <SkeletonRows rows={4} />;
  if (!reg) return <EmptyState title="Not registered">An agent registers when it opens its live stream. This one has only sent events.</EmptyState>;

  const save = async () => {
    setBusy(true);
    try {
      await patchRegistration(agentId, { display_name: name.trim(), tags: parseTags(tags), bundle_name: bundle });
      toast.success(bundle !== (reg.bundle_name ?? '') ? `Saved; ${agentId} is switched to ${bundle || 'rule-based assignment'} now` : 'Registration saved');
      client.invalidate('agents:');
    } catch (e) {
      toast.error(`Could not save: ${errorMessage(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="grid gap-5 lg:grid-cols-[minmax(0,1fr)_20rem]">
      <Card>
        <CardHeader title="Registration" description={`Registered ${formatDateTime(reg.created_at)} · last seen ${formatDateTime(reg.last_seen_at)}`} />
        <form
          className="flex flex-col gap-4 p-4"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <Input label="Display name" value={name} maxLength={255} onChange={(e) => setName(e.target.value)} placeholder={agentId} />
          <TagInput label="Tags" value={tags} onChange={setTags} validate={validateTag} placeholder="team=ops" hint="Used by assignment rules. key=value, Enter to add." />
          <Select label="Assigned bundle" value={bundle} onChange={(e) => setBundle(e.target.value)} hint={`Without one, rules decide${reg.resolved_bundle ? ` (currently ${reg.resolved_bundle})` : ''}.`}>
            <option value="">None: use assignment rules</option>
            {(bundles.data ?? []).map((b) => (
              <option key={b.name} value={b.name}>
                {b.name}
              </option>
            ))}
            {reg.bundle_name && !(bundles.data ?? []).some((b) => b.name === reg.bundle_name) && <option value={reg.bundle_name}>{reg.bundle_name}</option>}
          </Select>
          <div>
            <Button type="submit" variant="primary" loading={busy}>
              Save registration
            </Button>
          </div>
        </form>
      </Card>
      <ResolvePanel initialAgent={agentId} />
    </div>
  );
}
