import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { getBundleYaml, useBundles, useBundleVersions } from '../../api/bundles';
import { ApiError, errorMessage } from '../../api/client';
import { evaluateCall, type EvaluateRequest, type EvaluateResult, type Sdk } from '../../api/evaluate';
import { getTemplate } from '../../api/library';
import { Button } from '../../components/ui/Button';
import { Card, CardHeader, PageHeader } from '../../components/ui/Card';
import { Input, Select, Textarea } from '../../components/ui/Field';
import { VerdictPanel } from './VerdictPanel';
import { YamlEditor, type LineProblem } from './YamlEditor';
import { AssistantPanel } from '../../components/assistant/AssistantPanel';

const STARTER = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: playground
defaults:
  mode: enforce
contracts:
  - id: no-env-files
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "Reading {args.path} is not allowed"
`;

/** JSON text to a value; `undefined` for blank, an error message when it does not parse. */
function parseJson(text: string, what: string, object = true): { value?: unknown; error?: string } {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (object && (typeof value !== 'object' || value === null || Array.isArray(value))) return { error: `${what} must be a JSON object` };
    return { value };
  } catch {
    return { error: `${what} is not valid JSON` };
  }
}

const numberOrUndefined = (s: string) => (s.trim() === '' ? undefined : Number(s));

/** Try a call against a bundle (stored or pasted) and see the verdict, the trace and SDK differences. */
export default function EvaluatePage() {
  const [params] = useSearchParams();
  const bundles = useBundles();
  const [bundle, setBundle] = useState(params.get('bundle') ?? '');
  const versions = useBundleVersions(bundle || null);
  const [version, setVersion] = useState(Number(params.get('version')) || 0);
  const [yaml, setYaml] = useState(STARTER);
  const [storedYaml, setStoredYaml] = useState<string | null>(null);
  const [tool, setTool] = useState(params.get('tool') ?? 'read_file');
  const [args, setArgs] = useState(params.get('args') ?? '{\n  "path": "/app/.env"\n}');
  const [environment, setEnvironment] = useState(params.get('env') ?? 'production');
  const [principal, setPrincipal] = useState(params.get('principal') ?? '');
  const [result, setResult] = useState('');
  const [attempts, setAttempts] = useState('');
  const [toolCalls, setToolCalls] = useState('');
  const [sdk, setSdk] = useState<Sdk>(params.get('sdk') === 'typescript' ? 'typescript' : 'python');
  const [busy, setBusy] = useState(false);
  const [verdict, setVerdict] = useState<EvaluateResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [problems, setProblems] = useState<LineProblem[]>([]);

  // `?template=<id>`: a starter pack's YAML and the call that shows it working (Library → Templates).
  const template = params.get('template');
  useEffect(() => {
    if (!template) return;
    let cancelled = false;
    void getTemplate(template).then(
      (t) => {
        if (cancelled) return;
        setBundle('');
        setStoredYaml(null);
        setYaml(t.yaml_content);
        const preset = t.presets[Number(params.get('preset')) || 0];
        if (preset) {
          setTool(preset.tool_name);
          setArgs(JSON.stringify(preset.tool_args, null, 2));
        }
      },
      (e: unknown) => !cancelled && setFailure(`Template ${template}: ${errorMessage(e)}`),
    );
    return () => {
      cancelled = true;
    };
    // Only a change of template (not of every other parameter) loads it again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [template]);

  // Picking a stored version loads its YAML into the editor; editing it turns it into pasted YAML.
  const chosen = bundle && (version || versions.data?.[0]?.version);
  useEffect(() => {
    if (!bundle || !chosen) return;
    let cancelled = false;
    void getBundleYaml(bundle, chosen).then((text) => {
      if (cancelled) return;
      setYaml(text);
      setStoredYaml(text);
    });
    return () => {
      cancelled = true;
    };
  }, [bundle, chosen]);

  const parsed = useMemo(
    () => ({ args: parseJson(args, 'Arguments'), principal: parseJson(principal, 'Principal'), result: parseJson(result, 'Result', false) }),
    [args, principal, result],
  );

  const run = async () => {
    if (parsed.args.error || parsed.principal.error || parsed.result.error) return;
    setBusy(true);
    setFailure(null);
    const stored = bundle && chosen && storedYaml === yaml;
    const session = { attempts: numberOrUndefined(attempts), tool_calls: numberOrUndefined(toolCalls) };
    const body: EvaluateRequest = {
      ...(stored ? { bundle_name: bundle, version: Number(chosen) } : { yaml_content: yaml }),
      tool_name: tool.trim(),
      tool_args: (parsed.args.value as Record<string, unknown> | undefined) ?? {},
      environment: environment.trim() || 'production',
      sdk,
      ...(parsed.principal.value ? { principal: parsed.principal.value as EvaluateRequest['principal'] } : {}),
      ...(parsed.result.value !== undefined ? { result: parsed.result.value } : {}),
      ...(session.attempts !== undefined || session.tool_calls !== undefined ? { session } : {}),
    };
    try {
      const v = await evaluateCall(body);
      setVerdict(v);
      setProblems(v.warnings.map((w) => ({ line: w.line, message: `${w.path}: ${w.message}`, severity: 'warning' })));
    } catch (e) {
      setVerdict(null);
      const lines = e instanceof ApiError ? e.problems.filter((p) => p.loc[1] === 'yaml_content') : [];
      setProblems(lines.map((p) => ({ line: p.line ?? null, message: p.msg, severity: 'error' })));
      setFailure(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <PageHeader title="Evaluate" description="Try a tool call against a bundle: the verdict, the contract that decides it, and how each contract read the call." />
      <div className="grid gap-4 xl:grid-cols-2">
        <Card>
          <CardHeader title="Bundle" description="A stored version, or YAML you paste or edit here (problems show at their lines)." />
          <div className="flex flex-col gap-3 p-4">
            <div className="grid gap-3 sm:grid-cols-2">
              <Select label="Stored bundle" value={bundle} onChange={(e) => { setBundle(e.target.value); setVersion(0); if (!e.target.value) setStoredYaml(null); }}>
                <option value="">(pasted YAML)</option>
                {(bundles.data ?? []).map((b) => (
                  <option key={b.name} value={b.name}>{b.name}</option>
                ))}
              </Select>
              <Select label="Version" value={chosen || ''} disabled={!bundle} onChange={(e) => setVersion(Number(e.target.value))}>
                {(versions.data ?? []).map((v) => (
                  <option key={v.version} value={v.version}>v{v.version}{v.deployed_envs.length ? ` (${v.deployed_envs.join(', ')})` : ''}</option>
                ))}
              </Select>
            </div>
            <YamlEditor value={yaml} onChange={setYaml} problems={problems} label="Bundle YAML" />
            {bundle && storedYaml !== null && storedYaml !== yaml && <p className="text-xs text-amber-700 dark:text-amber-400">Edited: evaluating your edited YAML, not the stored version.</p>}
          </div>
        </Card>
        <div className="flex flex-col gap-4">
          <Card>
            <CardHeader title="Call" />
            <form className="flex flex-col gap-3 p-4" onSubmit={(e) => { e.preventDefault(); void run(); }}>
              <div className="grid gap-3 sm:grid-cols-3">
                <Input label="Tool" value={tool} onChange={(e) => setTool(e.target.value)} required maxLength={255} />
                <Input label="Environment" value={environment} onChange={(e) => setEnvironment(e.target.value)} maxLength={64} />
                <Select label="SDK" value={sdk} onChange={(e) => setSdk(e.target.value as Sdk)} hint="The other SDK is checked too.">
                  <option value="python">Python</option>
                  <option value="typescript">TypeScript</option>
                </Select>
              </div>
              <Textarea label="Arguments (JSON)" value={args} onChange={(e) => setArgs(e.target.value)} rows={5} className="font-mono text-xs" error={parsed.args.error} />
              <Textarea label="Principal (JSON, optional)" value={principal} onChange={(e) => setPrincipal(e.target.value)} rows={2} className="font-mono text-xs" placeholder='{"user_id": "u-1", "role": "analyst"}' error={parsed.principal.error} />
              <Textarea label="Tool result (JSON, optional: runs postconditions)" value={result} onChange={(e) => setResult(e.target.value)} rows={2} className="font-mono text-xs" error={parsed.result.error} />
              <div className="grid gap-3 sm:grid-cols-2">
                <Input label="Attempts so far" type="number" min={0} value={attempts} onChange={(e) => setAttempts(e.target.value)} />
                <Input label="Tool calls so far" type="number" min={0} value={toolCalls} onChange={(e) => setToolCalls(e.target.value)} />
              </div>
              <div>
                <Button type="submit" variant="primary" loading={busy}>Evaluate</Button>
              </div>
            </form>
          </Card>
          {failure && (
            <Card className="border-red-300 p-4 text-sm text-red-700 dark:border-red-900 dark:text-red-400" role="alert">
              {failure}
            </Card>
          )}
          {verdict && <VerdictPanel verdict={verdict} />}
          <AssistantPanel currentYaml={yaml} onApply={(next) => { setYaml(next); setProblems([]); }} />
        </div>
      </div>
    </div>
  );
}
