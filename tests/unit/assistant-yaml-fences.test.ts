import { describe, expect, it } from 'vitest';
import { YamlFenceSplitter, yamlBlocks } from '../../src/modules/assistant/yaml-fences.js';
import { normaliseCandidate } from '../../src/modules/assistant/proof-core.js';

function split(chunks: string[]): { text: string; yamls: string[] } {
  let text = '';
  const yamls: string[] = [];
  const s = new YamlFenceSplitter((t) => (text += t), (y) => yamls.push(y));
  for (const c of chunks) s.push(c);
  s.end();
  return { text, yamls };
}

/** Chunked the way a model streams: every size from one character up. */
function everyChunking(whole: string): string[][] {
  return [1, 2, 3, 5, 7, 13, whole.length].map((n) => Array.from({ length: Math.ceil(whole.length / n) }, (_, i) => whole.slice(i * n, i * n + n)));
}

describe('the YAML fence splitter holds proposals back from the streamed prose', () => {
  const answer = 'Here it is:\n```yaml\nid: a\ntype: pre\n```\nAnd `inline` code, and:\n```json\n{"a": 1}\n```\nDone.';

  it('forwards prose and other code blocks, holds ```yaml blocks, whatever the chunking', () => {
    for (const chunks of everyChunking(answer)) {
      const { text, yamls } = split(chunks);
      expect(yamls).toEqual(['id: a\ntype: pre\n']);
      expect(text).toBe('Here it is:\nAnd `inline` code, and:\n```json\n{"a": 1}\n```\nDone.');
      expect(text).not.toContain('type: pre');
    }
  });

  it('takes ```yml and an unclosed block at the end, and a closing fence without a newline', () => {
    expect(yamlBlocks('```yml\nx: 1\n')).toEqual(['x: 1\n']);
    expect(yamlBlocks('```yaml\nx: 1\n```')).toEqual(['x: 1\n']);
    expect(yamlBlocks('a\n```YAML\nx: 1\n```\nb\n```yaml\ny: 2\n```\n')).toEqual(['x: 1\n', 'y: 2\n']);
    expect(yamlBlocks('no fences at all')).toEqual([]);
  });
});

describe('a bare contract is checked inside a bundle', () => {
  it('wraps a contract mapping or list, leaves a bundle and unparsable text alone', () => {
    expect(normaliseCandidate('id: a\ntype: pre\n').wrapped).toBe(true);
    expect(normaliseCandidate('- id: a\n  type: pre\n').yaml).toContain('apiVersion: edictum/v1');
    expect(normaliseCandidate('apiVersion: edictum/v1\nkind: ContractBundle\n')).toEqual({ yaml: 'apiVersion: edictum/v1\nkind: ContractBundle\n', wrapped: false });
    expect(normaliseCandidate('a: [unclosed').wrapped).toBe(false);
  });
});
