import { useEffect, useMemo, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { evaluateCall, type EvaluateResult } from '../../api/evaluate';
import type { ContractType } from '../../api/library';
import { definitionTool, parseDefinition, unwrapLine, wrapDefinition } from '../../lib/contract-yaml';
import type { LineProblem } from '../evaluate/YamlEditor';

export interface DefinitionCheck {
  value: Record<string, unknown> | null;
  problems: LineProblem[];
  checking: boolean;
  /** true once the console's validator accepted this exact text */
  valid: boolean;
  /** the verdict on `call` (when one was given) for this exact text */
  verdict: EvaluateResult | null;
}

/** A call to evaluate the contract on (the event it is made from); none = a neutral call. */
export interface CheckCall {
  tool_name: string;
  tool_args: Record<string, unknown>;
}

/** The wrapper's `contracts[0].` prefix is noise in the editor of that one contract. */
function ownPath(msg: string): string {
  return msg.replace(/^contracts\[0\]\./, '');
}

/** Quiet time after the last keystroke before the console validates the text. */
const DEBOUNCE_MS = 450;

/**
 * Validates a definition as it is typed: syntax at once (in the browser), then the console's
 * validator (the same one uploads and deploys use) a moment after typing stops.
 */
export function useDefinitionCheck(text: string, contractId: string, type: ContractType, call?: CheckCall): DefinitionCheck {
  const parsed = useMemo(() => parseDefinition(text), [text]);
  const [server, setServer] = useState<{ key: string; problems: LineProblem[]; verdict: EvaluateResult | null } | null>(null);
  const callKey = call ? JSON.stringify(call) : '';
  const key = `${type}\u0000${contractId}\u0000${callKey}\u0000${text}`;

  useEffect(() => {
    if (!parsed.value) return;
    const ctl = new AbortController();
    const timer = window.setTimeout(() => {
      const yaml = wrapDefinition(text, contractId, type);
      const target = call ?? { tool_name: definitionTool(parsed.value), tool_args: {} };
      evaluateCall({ yaml_content: yaml, tool_name: target.tool_name, tool_args: target.tool_args, environment: 'production' }, ctl.signal).then(
        (v) =>
          setServer({ key, verdict: call ? v : null, problems: v.warnings.map((w) => ({ line: unwrapLine(w.line), message: ownPath(`${w.path}: ${w.message}`), severity: 'warning' as const })) }),
        (e: unknown) => {
          if (ctl.signal.aborted) return;
          const located =
            e instanceof ApiError && e.status === 422
              ? e.problems.filter((p) => p.loc[1] === 'yaml_content').map((p) => ({ line: unwrapLine(p.line), message: ownPath(p.msg), severity: 'error' as const }))
              : [];
          // Anything else (a timeout under load, a network error) is said, not taken for "valid".
          const problems = located.length > 0 ? located : [{ line: null, message: `Could not check: ${errorMessage(e)}`, severity: 'warning' as const }];
          setServer({ key, problems, verdict: null });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      ctl.abort();
      window.clearTimeout(timer);
    };
    // `key` stands for text, id, type and call.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, parsed.value]);

  if (!parsed.value) return { value: null, problems: parsed.problems, checking: false, valid: false, verdict: null };
  const current = server?.key === key ? server : null;
  return {
    value: parsed.value,
    problems: current?.problems ?? [],
    checking: current === null,
    valid: current !== null && !current.problems.some((p) => p.severity === 'error'),
    verdict: current?.verdict ?? null,
  };
}
