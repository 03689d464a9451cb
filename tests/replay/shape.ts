/**
 * Compares the shape of two JSON values: the same keys at every path, the same JSON types and
 * the same nesting. Array items are merged (the union of their shapes). A path that is only
 * ever `null` in the recording tells nothing about its type, so any generated type is allowed
 * there; elsewhere every generated type must occur in the recording.
 */
type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

const typeOf = (v: unknown): JsonType =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as 'boolean' | 'number' | 'string' | 'object');

function collect(value: unknown, path: string, out: Map<string, Set<JsonType>>): void {
  const t = typeOf(value);
  const set = out.get(path) ?? new Set<JsonType>();
  out.set(path, set);
  set.add(t);
  if (t === 'array') for (const item of value as unknown[]) collect(item, `${path}[]`, out);
  if (t === 'object') for (const [k, v] of Object.entries(value as object)) collect(v, `${path}.${k}`, out);
}

/** The differences between a recorded and a generated value (empty when the shapes agree). */
export function compareShapes(recorded: unknown, generated: unknown): string[] {
  const r = new Map<string, Set<JsonType>>();
  const g = new Map<string, Set<JsonType>>();
  collect(recorded, '$', r);
  collect(generated, '$', g);
  const diffs: string[] = [];
  for (const p of r.keys()) if (!g.has(p)) diffs.push(`${p}: in the recording, not generated`);
  for (const [p, gt] of g) {
    const rt = r.get(p);
    if (!rt) {
      diffs.push(`${p}: generated, not in the recording`);
      continue;
    }
    const onlyNull = rt.size === 1 && rt.has('null');
    if (onlyNull) continue;
    for (const t of gt) {
      if (!rt.has(t)) diffs.push(`${p}: generated ${t}, recording has ${[...rt].join('|')}`);
    }
  }
  return diffs;
}
