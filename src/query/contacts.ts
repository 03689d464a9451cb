/**
 * The `contacts` command's checks: addresses validated, units matched as `history --unit`
 * matches them (departmentId, code, or accent-insensitive name; an unmatched or ambiguous one
 * stops everything naming it), and a contacts CSV read whole before anything is written.
 */
import { InputError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { resolveUnit, type UnitRow } from './units.js';

const EMAIL_RE = /^[^\s@<>,;"']+@[^\s@<>,;"']+\.[^\s@<>,;"']+$/;

/** Lower-cased addresses, each checked; a bad one stops with the field named. */
export function parseEmails(list: readonly string[], field: string): string[] {
  return list.map((raw) => {
    const e = raw.trim().toLowerCase();
    if (!EMAIL_RE.test(e) || e.length > 254)
      throw new InputError(field, `"${raw}" is not an e-mail address (like vanphong@syt.dienbien.gov.vn)`);
    return e;
  });
}

/** Cells of a CSV text (RFC 4180 quotes, a BOM, `,` or `;` as the separator). */
export function parseCsvText(text: string): string[][] {
  const src = text.replace(/^\uFEFF/, '');
  const firstLine = src.split(/\r?\n/, 1)[0] ?? '';
  const sep = !firstLine.includes(',') && firstLine.includes(';') ? ';' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === sep) {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

export interface ImportLine {
  readonly line: number;
  readonly unit: UnitRow;
  readonly emails: string[];
}

/**
 * Read a contacts CSV: one row per unit and address (`unit,email`; several addresses in one
 * cell separated by spaces or `;` are accepted), an optional header row (first cell "unit",
 * "đơn vị", "mã" or "code"), blank lines skipped. Every unit is resolved and every address
 * checked before anything is written; the first problem stops the import naming file and line.
 */
export async function readContactsCsv(db: Queryable, text: string, file: string): Promise<ImportLine[]> {
  const rows = parseCsvText(text);
  const out: ImportLine[] = [];
  for (let i = 0; i < rows.length; i++) {
    const cells = rows[i]!.map((c) => c.trim());
    const line = i + 1;
    if (cells.every((c) => c === '')) continue;
    if (i === 0 && /^(unit|đơn vị|don vi|mã|ma|code|ma don vi|mã đơn vị)$/i.test(cells[0] ?? '')) continue;
    const field = `${file} line ${line}`;
    const [unitRef, ...rest] = cells;
    const addresses = rest.flatMap((c) => c.split(/[\s;]+/)).filter(Boolean);
    if (!unitRef || addresses.length === 0)
      throw new InputError(
        field,
        'needs a unit (code, departmentId or name) and at least one e-mail address',
      );
    const emails = parseEmails(addresses, field);
    const unit = await resolveUnit(db, unitRef, field);
    out.push({ line, unit, emails });
  }
  if (out.length === 0) throw new InputError(file, 'holds no contact rows (unit,email)');
  return out;
}
