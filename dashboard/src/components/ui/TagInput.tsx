import { useId, useState, type KeyboardEvent, type ReactNode } from 'react';
import { cn } from '../../lib/cn';
import { controlClass } from './Field';
import { IconX } from './icons';

/**
 * Chips instead of comma-separated text. Enter, comma or Tab (with text) adds; Backspace on an
 * empty field removes the last chip; each chip has its own remove button.
 */
export function TagInput({ label, value, onChange, placeholder, hint, validate, suggestions = [], error }: {
  label: ReactNode;
  value: string[];
  onChange: (v: string[]) => void;
  placeholder?: string;
  hint?: ReactNode;
  validate?: (s: string) => string | undefined;
  suggestions?: string[];
  error?: string;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const [local, setLocal] = useState<string | undefined>();
  const add = (raw: string) => {
    const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) return true;
    for (const s of items) {
      const err = validate?.(s);
      if (err) {
        setLocal(`${s}: ${err}`);
        return false;
      }
    }
    setLocal(undefined);
    onChange([...value, ...items.filter((s) => !value.includes(s))]);
    setText('');
    return true;
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if ((e.key === 'Enter' || e.key === ',' || (e.key === 'Tab' && text.trim())) && text.trim()) {
      e.preventDefault();
      add(text);
    } else if (e.key === 'Enter') {
      e.preventDefault();
    } else if (e.key === 'Backspace' && !text && value.length) {
      onChange(value.slice(0, -1));
    }
  };
  const msg = local ?? error;
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-slate-700 dark:text-slate-300">
        {label}
      </label>
      <div className={cn(controlClass, 'flex min-h-10 flex-wrap items-center gap-1.5 px-2 py-1.5', msg && 'border-red-500')}>
        {value.map((v) => (
          <span key={v} className="inline-flex items-center gap-1 rounded bg-slate-200 px-1.5 py-0.5 font-mono text-xs dark:bg-slate-800">
            {v}
            <button type="button" aria-label={`Remove ${v}`} onClick={() => onChange(value.filter((x) => x !== v))} className="text-slate-500 hover:text-red-500">
              <IconX size={12} />
            </button>
          </span>
        ))}
        <input
          id={id}
          value={text}
          list={suggestions.length ? `${id}-list` : undefined}
          onChange={(e) => {
            setText(e.target.value);
            setLocal(undefined);
          }}
          onKeyDown={onKey}
          onBlur={() => text.trim() && add(text)}
          placeholder={value.length ? '' : placeholder}
          aria-invalid={msg ? true : undefined}
          aria-describedby={msg ? `${id}-err` : hint ? `${id}-hint` : undefined}
          className="min-w-[8rem] flex-1 bg-transparent text-sm outline-none"
        />
        {suggestions.length > 0 && (
          <datalist id={`${id}-list`}>
            {suggestions.filter((s) => !value.includes(s)).map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        )}
      </div>
      {msg ? (
        <p id={`${id}-err`} className="text-xs text-red-600 dark:text-red-400">
          {msg}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-500 dark:text-slate-400">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
