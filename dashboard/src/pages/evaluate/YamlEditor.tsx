// CodeMirror 6 with YAML highlighting and the server's validation problems shown at their lines.
// Only lazy pages (Evaluate, the contract library) import this file, so CodeMirror stays out of the entry chunk.
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { useEffect, useRef } from 'react';

export interface LineProblem {
  line: number | null;
  message: string;
  severity: 'error' | 'warning';
}

const theme = EditorView.theme({
  '&': { fontSize: '12.5px', height: '100%' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
  '.cm-gutters': { backgroundColor: 'transparent', borderRight: '1px solid rgb(148 163 184 / 0.3)' },
});

/**
 * YAML colours from CSS variables (index.css, `--yaml-*`), so keys, strings and comments keep
 * their contrast in both themes (CodeMirror's default style is made for a light background).
 */
const yamlHighlight = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: 'var(--yaml-key)' },
  { tag: [t.string, t.special(t.string), t.content], color: 'var(--yaml-string)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--yaml-literal)' },
  { tag: [t.comment, t.lineComment], color: 'var(--yaml-comment)', fontStyle: 'italic' },
  { tag: [t.meta, t.documentMeta, t.labelName, t.typeName, t.keyword], color: 'var(--yaml-meta)' },
  { tag: [t.punctuation, t.separator, t.squareBracket, t.brace], color: 'var(--yaml-punct)' },
]);

/** Problems without a line go on line 1, so none is hidden. */
function diagnostics(state: EditorState, problems: LineProblem[]): Diagnostic[] {
  return problems.map((p) => {
    const n = Math.min(Math.max(p.line ?? 1, 1), state.doc.lines);
    const line = state.doc.line(n);
    return { from: line.from, to: line.to, severity: p.severity, message: p.message };
  });
}

export function YamlEditor({ value, onChange, problems, label, heightClass = 'h-[420px]', readOnly = false }: {
  value: string;
  onChange: (v: string) => void;
  problems: LineProblem[];
  label: string;
  heightClass?: string;
  readOnly?: boolean;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          yaml(),
          syntaxHighlighting(yamlHighlight),
          lintGutter(),
          theme,
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorState.readOnly.of(readOnly),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) changed.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // The editor owns its document after creation; outside changes arrive through the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const v = view.current;
    if (v) v.dispatch(setDiagnostics(v.state, diagnostics(v.state, problems)));
  }, [problems, value]);

  return <div ref={host} className={`${heightClass} overflow-hidden rounded-md border border-slate-300 bg-white dark:border-slate-700 dark:bg-slate-950`} />;
}
