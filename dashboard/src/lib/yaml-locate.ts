/**
 * Best-effort 1-based line of a dotted path (["metadata","name"], ["contracts",2,"then"]) in
 * YAML text, for errors the server reports without a line. Null when it cannot tell.
 */
export function locateYamlPath(yaml: string, path: (string | number)[]): number | null {
  const lines = yaml.split('\n');
  let from = 0;
  let minIndent = -1;
  let found: number | null = null;
  for (const seg of path) {
    if (seg === 'body' || seg === 'yaml_content') continue;
    let hit = -1;
    if (typeof seg === 'number') {
      let count = -1;
      for (let i = from; i < lines.length; i++) {
        const l = lines[i]!;
        const ind = l.length - l.trimStart().length;
        if (l.trim() && ind <= minIndent) break;
        if (/^\s*-\s/.test(l) && ind > minIndent) {
          count++;
          if (count === seg) {
            hit = i;
            minIndent = ind;
            break;
          }
        }
      }
    } else {
      const re = new RegExp(`^(\\s*)(-\\s+)?["']?${seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`);
      for (let i = from; i < lines.length; i++) {
        const l = lines[i]!;
        const ind = l.length - l.trimStart().length;
        if (found !== null && l.trim() && ind <= minIndent && !/^\s*-\s/.test(l)) break;
        const m = re.exec(l);
        if (m && ind > minIndent - (m[2] ? 0 : 0)) {
          hit = i;
          minIndent = m[1]!.length + (m[2]?.length ?? 0);
          break;
        }
      }
    }
    if (hit < 0) return found;
    found = hit + 1;
    from = hit + 1;
  }
  return found;
}
