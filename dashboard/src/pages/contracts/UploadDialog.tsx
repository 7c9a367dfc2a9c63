import { useMemo, useRef, useState, type ChangeEvent } from 'react';
import { uploadBundle } from '../../api/bundles';
import { ApiError, errorMessage, type FieldProblem } from '../../api/client';
import { useQueryClient } from '../../api/query';
import type { Bundle } from '../../api/types';
import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';
import { IconAlert, IconUpload } from '../../components/ui/icons';
import { useToast } from '../../components/ui/Toast';
import { cn } from '../../lib/cn';
import { STARTER_BUNDLE_YAML } from '../../lib/starter-bundle';
import { locateYamlPath } from '../../lib/yaml-locate';
import { AssistantPanel } from '../../components/assistant/AssistantPanel';

const LINE_H = 20;
const MAX_CHARS = 1_048_576;

interface Problem {
  line: number | null;
  path: string;
  msg: string;
}

function toProblems(yaml: string, ps: FieldProblem[]): Problem[] {
  return ps.map((p) => {
    const loc = p.loc.filter((x) => x !== 'body' && x !== 'yaml_content');
    const line = p.line ?? (loc.length ? locateYamlPath(yaml, loc) : null);
    return { line, path: loc.join('.'), msg: p.msg };
  });
}

/** Paste or pick a YAML bundle; a 422 marks the offending lines in the editor and lists them. */
export function UploadDialog({ open, onClose, onUploaded, onDeploy, initialYaml = '' }: {
  open: boolean;
  onClose: () => void;
  onUploaded: (b: Bundle) => void;
  onDeploy: (b: Bundle) => void;
  initialYaml?: string;
}) {
  const [yaml, setYaml] = useState(initialYaml);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Bundle | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const taRef = useRef<HTMLTextAreaElement>(null);
  const client = useQueryClient();
  const toast = useToast();

  const lineCount = useMemo(() => Math.max(1, yaml.split('\n').length), [yaml]);
  const badLines = useMemo(() => new Set(problems.map((p) => p.line).filter((l): l is number => l !== null)), [problems]);

  const reset = () => {
    setYaml(initialYaml);
    setProblems([]);
    setFormError(null);
    setDone(null);
  };
  const close = () => {
    onClose();
    reset();
  };

  const submit = async () => {
    setFormError(null);
    setProblems([]);
    if (!yaml.trim()) return setFormError('Paste a bundle or choose a file first.');
    if (yaml.length > MAX_CHARS) return setFormError('The bundle is larger than 1 MiB.');
    setBusy(true);
    try {
      const b = await uploadBundle(yaml);
      client.invalidate('bundles:');
      toast.success(`${b.name} v${b.version} uploaded`);
      setDone(b);
      onUploaded(b);
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        const ps = e.problems.length ? toProblems(yaml, e.problems) : [{ line: null, path: '', msg: e.detail }];
        setProblems(ps);
        const first = ps.find((p) => p.line !== null);
        if (first?.line) jumpTo(first.line);
      } else setFormError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const jumpTo = (line: number) => {
    const ta = taRef.current;
    if (!ta) return;
    const lines = ta.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    ta.focus();
    ta.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    ta.scrollTop = Math.max(0, (line - 4) * LINE_H);
  };

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    if (!f) return;
    if (f.size > MAX_CHARS * 4) return setFormError('That file is too large.');
    setYaml(await f.text());
    setProblems([]);
    e.target.value = '';
  };

  if (done) {
    return (
      <Dialog
        open={open}
        onClose={close}
        title="Bundle uploaded"
        footer={
          <>
            <Button variant="ghost" onClick={close}>
              Done
            </Button>
            <Button
              variant="primary"
              onClick={() => {
                close();
                onDeploy(done);
              }}
            >
              Deploy v{done.version}…
            </Button>
          </>
        }
      >
        <p className="text-sm">
          <span className="font-mono font-semibold">{done.name}</span> is now at version {done.version}. Nothing runs it until you deploy it to an environment.
        </p>
      </Dialog>
    );
  }

  return (
    <Dialog
      open={open}
      onClose={close}
      dismissable={!busy}
      size="xl"
      title="Upload bundle"
      description="An edictum/v1 ContractBundle. Its metadata.name is the bundle name; each upload becomes the next version."
      onSubmit={() => void submit()}
      footer={
        <>
          <label className="mr-auto inline-flex cursor-pointer items-center gap-1.5 rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100 focus-within:outline-2 focus-within:outline-amber-500 dark:text-slate-300 dark:hover:bg-slate-800">
            <IconUpload size={14} /> Choose file
            <input type="file" accept=".yaml,.yml,application/x-yaml,text/yaml,text/plain" className="sr-only" onChange={(e) => void onFile(e)} />
          </label>
          {!yaml && (
            <Button variant="ghost" onClick={() => setYaml(STARTER_BUNDLE_YAML)}>
              Insert starter
            </Button>
          )}
          <Button variant="ghost" onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={busy}>
            Upload bundle
          </Button>
        </>
      }
    >
      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_16rem]">
        <div className="flex flex-col gap-1.5">
          <label htmlFor="bundle-yaml" className="text-sm font-medium">
            Bundle YAML
          </label>
          <div className={cn('relative flex h-[55dvh] overflow-hidden rounded-lg border bg-slate-50 font-mono text-xs dark:bg-slate-950', problems.length ? 'border-red-500' : 'border-slate-300 dark:border-slate-700')}>
            <div aria-hidden="true" className="w-12 shrink-0 overflow-hidden border-r border-slate-200 bg-slate-100 py-2 text-right text-slate-400 select-none dark:border-slate-800 dark:bg-slate-900">
              <div style={{ transform: `translateY(${-scrollTop}px)` }}>
                {Array.from({ length: lineCount }, (_, i) => (
                  <div key={i} style={{ height: LINE_H, lineHeight: `${LINE_H}px` }} className={cn('pr-2', badLines.has(i + 1) && 'bg-red-500/20 font-semibold text-red-600 dark:text-red-400')}>
                    {i + 1}
                  </div>
                ))}
              </div>
            </div>
            <div className="relative min-w-0 flex-1">
              <div aria-hidden="true" className="pointer-events-none absolute inset-0 overflow-hidden">
                <div style={{ transform: `translateY(${-scrollTop}px)` }}>
                  {[...badLines].map((l) => (
                    <div key={l} className="absolute inset-x-0 bg-red-500/15" style={{ top: 8 + (l - 1) * LINE_H, height: LINE_H }} />
                  ))}
                </div>
              </div>
              <textarea
                ref={taRef}
                id="bundle-yaml"
                value={yaml}
                wrap="off"
                spellCheck={false}
                autoCapitalize="off"
                autoCorrect="off"
                aria-invalid={problems.length ? true : undefined}
                aria-describedby={problems.length ? 'bundle-problems' : undefined}
                onChange={(e) => setYaml(e.target.value)}
                onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
                onKeyDown={(e) => {
                  // ⌘/Ctrl+S uploads; Tab indents with two spaces instead of leaving the field.
                  if ((e.metaKey || e.ctrlKey) && e.key === 's') {
                    e.preventDefault();
                    void submit();
                  } else if (e.key === 'Tab' && !e.shiftKey) {
                    e.preventDefault();
                    const ta = e.currentTarget;
                    const { selectionStart: s, selectionEnd: en } = ta;
                    const next = `${yaml.slice(0, s)}  ${yaml.slice(en)}`;
                    setYaml(next);
                    requestAnimationFrame(() => ta.setSelectionRange(s + 2, s + 2));
                  }
                }}
                placeholder={'apiVersion: edictum/v1\nkind: ContractBundle\nmetadata:\n  name: my-bundle\n…'}
                className="relative h-full w-full resize-none overflow-auto bg-transparent px-3 py-2 text-slate-800 focus:outline-none dark:text-slate-200"
                style={{ lineHeight: `${LINE_H}px`, tabSize: 2 }}
              />
            </div>
          </div>
          <p className="text-xs text-slate-500">Tab indents · ⌘/Ctrl+S uploads · {lineCount} lines</p>
        </div>
        <div id="bundle-problems" className="flex flex-col gap-2">
          <h3 className="text-sm font-medium">Problems</h3>
          {formError && (
            <p role="alert" className="text-sm text-red-600 dark:text-red-400">
              {formError}
            </p>
          )}
          {problems.length === 0 && !formError ? (
            <p className="text-sm text-slate-500">The server validates the bundle on upload; anything it rejects is marked on its line.</p>
          ) : (
            <ul role="alert" className="flex flex-col gap-2">
              {problems.map((p, i) => (
                <li key={i} className="rounded-md border border-red-300 bg-red-50 p-2 text-xs text-red-800 dark:border-red-900/60 dark:bg-red-950/30 dark:text-red-300">
                  <div className="flex items-center gap-1.5 font-medium">
                    <IconAlert size={12} />
                    {p.line !== null ? (
                      <button type="button" onClick={() => jumpTo(p.line!)} className="underline hover:no-underline">
                        Line {p.line}
                      </button>
                    ) : (
                      'Bundle'
                    )}
                    {p.path && !/^[\w.[\]-]+: /.test(p.msg) && <code className="font-mono opacity-80">{p.path}</code>}
                  </div>
                  <p className="mt-1">{p.msg}</p>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <AssistantPanel className="mt-4" currentYaml={yaml} onApply={(next) => { setYaml(next); setProblems([]); }} />
    </Dialog>
  );
}
