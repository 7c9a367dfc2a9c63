export type DiffOp = { type: 'same' | 'add' | 'del'; text: string; a?: number; b?: number };

/**
 * Line diff (Myers, O((N+M)·D)): fast for the usual case of two versions that differ a little,
 * and no quadratic table for big bundles.
 */
export function diffLines(aText: string, bText: string): DiffOp[] {
  const a = aText.split('\n');
  const b = bText.split('\n');
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace back to build the edit script.
  const ops: DiffOp[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ type: 'same', text: a[x - 1]!, a: x, b: y });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ type: 'add', text: b[y - 1]!, b: y });
      else ops.push({ type: 'del', text: a[x - 1]!, a: x });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

export function diffStats(ops: DiffOp[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const o of ops) {
    if (o.type === 'add') added++;
    else if (o.type === 'del') removed++;
  }
  return { added, removed };
}

/** Contract ids in a bundle (the `- id:` entries under `contracts:`), cheap and parser-free. */
export function contractIds(yaml: string): string[] {
  const out: string[] = [];
  const re = /^\s*-\s+id:\s*["']?([A-Za-z0-9_.-]+)["']?\s*(#.*)?$/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(yaml))) out.push(m[1]!);
  return out;
}

/** The YAML block of each contract id, to tell changed from unchanged contracts. */
export function contractBlocks(yaml: string): Map<string, string> {
  const lines = yaml.split('\n');
  const blocks = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)-\s+id:\s*["']?([A-Za-z0-9_.-]+)/.exec(lines[i]!);
    if (!m) continue;
    const indent = m[1]!.length;
    let j = i + 1;
    while (j < lines.length) {
      const l = lines[j]!;
      if (l.trim() === '') {
        j++;
        continue;
      }
      const ind = l.length - l.trimStart().length;
      if (ind <= indent) break;
      j++;
    }
    blocks.set(m[2]!, lines.slice(i, j).join('\n').trimEnd());
  }
  return blocks;
}

export function contractChanges(before: string, after: string) {
  const a = contractBlocks(before);
  const b = contractBlocks(after);
  const added = [...b.keys()].filter((k) => !a.has(k));
  const removed = [...a.keys()].filter((k) => !b.has(k));
  const changed = [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k));
  return { added, removed, changed };
}
