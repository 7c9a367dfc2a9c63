import { useEffect, useMemo, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { evaluateCall } from '../../api/evaluate';
import type { ContractType } from '../../api/library';
import { definitionTool, parseDefinition, unwrapLine, wrapDefinition } from '../../lib/contract-yaml';
import type { LineProblem } from '../evaluate/YamlEditor';

export interface DefinitionCheck {
  value: Record<string, unknown> | null;
  problems: LineProblem[];
  checking: boolean;
  /** true once the console's validator accepted this exact text */
  valid: boolean;
}

/** Quiet time after the last keystroke before the console validates the text. */
const DEBOUNCE_MS = 450;

/**
 * Validates a definition as it is typed: syntax at once (in the browser), then the console's
 * validator (the same one uploads and deploys use) a moment after typing stops.
 */
export function useDefinitionCheck(text: string, contractId: string, type: ContractType): DefinitionCheck {
  const parsed = useMemo(() => parseDefinition(text), [text]);
  const [server, setServer] = useState<{ key: string; problems: LineProblem[] } | null>(null);
  const key = `${type}\u0000${contractId}\u0000${text}`;

  useEffect(() => {
    if (!parsed.value) return;
    const ctl = new AbortController();
    const timer = window.setTimeout(() => {
      const yaml = wrapDefinition(text, contractId, type);
      evaluateCall({ yaml_content: yaml, tool_name: definitionTool(parsed.value), tool_args: {}, environment: 'production' }, ctl.signal).then(
        (v) => setServer({ key, problems: v.warnings.map((w) => ({ line: unwrapLine(w.line), message: w.message, severity: 'warning' as const })) }),
        (e: unknown) => {
          if (ctl.signal.aborted) return;
          const problems =
            e instanceof ApiError && e.status === 422
              ? e.problems.filter((p) => p.loc[1] === 'yaml_content').map((p) => ({ line: unwrapLine(p.line), message: p.msg, severity: 'error' as const }))
              : [{ line: null, message: `Could not validate: ${errorMessage(e)}`, severity: 'warning' as const }];
          setServer({ key, problems });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      ctl.abort();
      window.clearTimeout(timer);
    };
  }, [key, parsed.value, text, contractId, type]);

  if (!parsed.value) return { value: null, problems: parsed.problems, checking: false, valid: false };
  const current = server?.key === key ? server : null;
  return {
    value: parsed.value,
    problems: current?.problems ?? [],
    checking: current === null,
    valid: current !== null && !current.problems.some((p) => p.severity === 'error'),
  };
}
