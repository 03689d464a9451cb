/**
 * Outcomes of the hostile cases, by input class and surface, printed as the table the issue
 * asks for: `input class | surface | cases | 4xx/exit 2 | 500 or crash | leaked`. Failures keep
 * their details, so an assertion can say exactly which case crashed or leaked.
 */

export type Outcome = 'rejected' | 'accepted' | 'crash';

export interface CaseFailure {
  readonly cls: string;
  readonly surface: string;
  readonly what: string;
  readonly detail: string;
}

interface Cell {
  cases: number;
  rejected: number;
  crashed: number;
  leaked: number;
}

export class Tally {
  private readonly cells = new Map<string, Cell>();
  private readonly order: string[] = [];
  readonly failures: CaseFailure[] = [];

  record(
    cls: string,
    surface: string,
    what: string,
    outcome: Outcome,
    leak: string | null,
    detail = '',
  ): void {
    const key = `${cls}\u0001${surface}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { cases: 0, rejected: 0, crashed: 0, leaked: 0 };
      this.cells.set(key, cell);
      this.order.push(key);
    }
    cell.cases++;
    if (outcome === 'rejected') cell.rejected++;
    if (outcome === 'crash') {
      cell.crashed++;
      this.failures.push({ cls, surface, what, detail: `crash: ${detail}` });
    }
    if (leak !== null) {
      cell.leaked++;
      this.failures.push({ cls, surface, what, detail: `leaked: ${leak}` });
    }
  }

  /** Failures of one surface (for that surface's assertion). */
  failuresOf(surface: string): CaseFailure[] {
    return this.failures.filter((f) => f.surface.startsWith(surface));
  }

  total(): Cell {
    const t = { cases: 0, rejected: 0, crashed: 0, leaked: 0 };
    for (const c of this.cells.values()) {
      t.cases += c.cases;
      t.rejected += c.rejected;
      t.crashed += c.crashed;
      t.leaked += c.leaked;
    }
    return t;
  }

  /** The table, classes in first-seen order, surfaces grouped under each class. */
  render(): string {
    const rows = [...this.order]
      .sort((a, b) => {
        const [ca] = a.split('\u0001');
        const [cb] = b.split('\u0001');
        return (
          this.order.findIndex((k) => k.startsWith(`${ca}\u0001`)) -
          this.order.findIndex((k) => k.startsWith(`${cb}\u0001`))
        );
      })
      .map((k) => {
        const [cls, surface] = k.split('\u0001') as [string, string];
        const c = this.cells.get(k)!;
        return [cls, surface, String(c.cases), String(c.rejected), String(c.crashed), String(c.leaked)];
      });
    const t = this.total();
    rows.push(['total', '', String(t.cases), String(t.rejected), String(t.crashed), String(t.leaked)]);
    const head = ['input class', 'surface', 'cases', '4xx/exit 2', '500 or crash', 'leaked'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)));
    const line = (r: string[]) =>
      r
        .map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join(' | ')
        .trimEnd();
    return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
  }
}

/** Secrets the suite plants: none of them may appear in any answer, output or log line. */
export const PLANTED_SECRETS = ['HostileDbPW', 'HostileTok3n'] as const;

/** What must never reach a person: a planted secret, a stack trace, SQL error text, our file paths. */
export function leakIn(text: string): string | null {
  for (const s of PLANTED_SECRETS) if (text.includes(s)) return `the secret ${s}`;
  if (/\n\s+at .+(:\d+:\d+|\(native\))/.test(text)) return 'a stack trace';
  if (
    /syntax error at or near|invalid input syntax|violates .* constraint|SQLSTATE|unterminated quoted|invalid byte sequence/i.test(
      text,
    )
  )
    return 'SQL error text';
  if (/\/work\/wt-|node_modules\//.test(text)) return 'a server file path';
  return null;
}

/** Raw characters a terminal would obey (C0 but line breaks, DEL, C1, bidi overrides). */
export function terminalLeak(text: string): string | null {
  const m = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.exec(text);
  return m
    ? `a raw control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} on the terminal`
    : null;
}

/** A CSV cell a spreadsheet would run as a formula (not neutralised with a leading '). */
export function formulaLeak(csv: string): string | null {
  const text = csv.replace(/^\uFEFF/, '');
  let cell = '';
  let quoted = false;
  let atCellStart = true;
  const check = (c: string) =>
    !/^-?\d+(\.\d+)?$/.test(c) && /^[\s]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/.test(c) ? c : null;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === undefined || (!quoted && (ch === ',' || ch === '\n'))) {
      const bad = check(cell.replace(/\r$/, ''));
      if (bad !== null) return `the formula cell ${JSON.stringify(bad.slice(0, 40))}`;
      cell = '';
      atCellStart = true;
      continue;
    }
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && atCellStart) quoted = true;
    else cell += ch;
    atCellStart = false;
  }
  return null;
}
