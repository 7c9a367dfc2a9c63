import { useState } from 'react';
import { pythonSnippet, tsSnippet, type SnippetOptions } from '../lib/snippets';
import { CodeBlock } from './CodeBlock';
import { CopyButton } from './CopyButton';
import { tabId, Tabs } from './ui/Tabs';

type Lang = 'python' | 'typescript';

/** A code block with its own one-click Copy button (the button names what it copies). */
export function CopyableBlock({ text, label }: { text: string; label: string }) {
  return (
    <div className="relative">
      <CodeBlock label={label} className="pr-20">
        {text}
      </CodeBlock>
      <div className="absolute top-1.5 right-1.5">
        <CopyButton text={text} size="xs" variant="outline" label="Copy" aria-label={`Copy ${label.toLowerCase()}`} />
      </div>
    </div>
  );
}

/**
 * The SDK quick start per language: the shell lines (install, the key as an environment
 * variable) apart from the agent code, each copyable on its own. The key never goes into code.
 */
export function SdkSnippets({ idBase, ...opts }: SnippetOptions & { idBase: string }) {
  const [lang, setLang] = useState<Lang>('python');
  const s = lang === 'python' ? pythonSnippet(opts) : tsSnippet(opts);
  const name = lang === 'python' ? 'Python' : 'TypeScript';
  return (
    <div>
      <Tabs
        idBase={idBase}
        label="SDK language"
        value={lang}
        onChange={setLang}
        items={[
          { key: 'python', label: 'Python' },
          { key: 'typescript', label: 'TypeScript' },
        ]}
      />
      <div role="tabpanel" id={`${idBase}-panel`} aria-labelledby={tabId(idBase, lang)} className="mt-2 flex flex-col gap-2">
        <p className="text-xs text-slate-500 dark:text-slate-400">In your shell{opts.apiKey ? ' (the key is shown only here, once)' : ''}:</p>
        <CopyableBlock text={s.shell} label={`${name} shell commands`} />
        <p className="text-xs text-slate-500 dark:text-slate-400">In your agent (works with the current and the previous SDK release):</p>
        <CopyableBlock text={s.code} label={`${name} agent code`} />
      </div>
    </div>
  );
}
