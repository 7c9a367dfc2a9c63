import { useEffect, useState } from 'react';
import { copyText } from '../lib/clipboard';
import { Button, type ButtonProps } from './ui/Button';
import { IconCheck, IconCopy } from './ui/icons';
import { useToast } from './ui/Toast';

/**
 * Copies `text`. The accessible name stays the same before and after ("Copy" unless given),
 * and a polite live region announces the result.
 */
export function CopyButton({ text, label = 'Copy', ...rest }: { text: string; label?: string } & Omit<ButtonProps, 'onClick' | 'children'>) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const toast = useToast();
  useEffect(() => {
    if (state === 'idle') return;
    const id = window.setTimeout(() => setState('idle'), 2000);
    return () => window.clearTimeout(id);
  }, [state]);
  return (
    <>
      <Button
        {...rest}
        onClick={async () => {
          const ok = await copyText(text);
          setState(ok ? 'copied' : 'failed');
          if (!ok) toast.error('Could not copy automatically. Select the text and copy it by hand.');
        }}
      >
        {state === 'copied' ? <IconCheck size={14} className="text-emerald-500" /> : <IconCopy size={14} />}
        {label}
      </Button>
      <span className="sr-only" role="status" aria-live="polite">
        {state === 'copied' ? 'Copied to clipboard' : ''}
      </span>
    </>
  );
}
