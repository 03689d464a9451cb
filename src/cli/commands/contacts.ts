import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type Column, renderTable, toCsv, toJsonText } from '../../cli/format.js';
import { InputError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { parseEmails, readContactsCsv } from '../../query/contacts.js';
import { resolveUnit } from '../../query/units.js';
import {
  addContacts,
  type ContactRow,
  listContacts,
  setContacts,
  unsetContacts,
} from '../../store/contacts.js';
import { createPool, type Pool, withTransaction } from '../../store/db.js';
import { escapeControlChars } from '../../text.js';
import { action, configFromEnv, parseFormat } from '../run.js';

const COLUMNS: Column<ContactRow>[] = [
  { header: 'Mã', value: (r) => r.unitCode },
  { header: 'Đơn vị', value: (r) => r.unitName },
  { header: 'E-mail', value: (r) => r.emails.join(', ') },
];

async function withPool<T>(fn: (pool: Pool) => Promise<T>): Promise<T> {
  const config = configFromEnv();
  const pool = createPool(config.databaseUrl, createLogger(config), 1);
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

const say = (s: string) => process.stdout.write(`${escapeControlChars(s)}\n`);
const unitText = (u: { code: string | null; name: string }) => `${u.code ? `${u.code} ` : ''}${u.name}`;

export function register(program: Command): void {
  const contacts = program
    .command('contacts')
    .description("who is told about a unit's own falls and recoveries (ALERT_UNIT_MAILS)");

  contacts
    .command('set')
    .description("make a unit's addresses exactly these")
    .argument('<unit>', 'departmentId, code (H18.01) or name ("so y te"), as in history --unit')
    .argument('<email...>', 'one or more e-mail addresses')
    .action(
      action(async (unitRef: string, emails: string[]) => {
        const list = parseEmails(emails, '<email>');
        await withPool(async (pool) => {
          const unit = await resolveUnit(pool, unitRef, '<unit>');
          const r = await withTransaction(pool, (db) => setContacts(db, unit.id, list));
          say(
            `${unitText(unit)}: ${[...new Set(list)].sort().join(', ')}` +
              (r.added.length || r.removed.length
                ? ` (added ${r.added.length}, removed ${r.removed.length})`
                : ' (unchanged)'),
          );
        });
      }),
    );

  contacts
    .command('unset')
    .description('remove some addresses of a unit, or all of them when none is given')
    .argument('<unit>', 'departmentId, code (H18.01) or name, as in history --unit')
    .argument('[email...]', 'addresses to remove (default: all)')
    .action(
      action(async (unitRef: string, emails: string[] = []) => {
        const list = parseEmails(emails, '[email]');
        await withPool(async (pool) => {
          const unit = await resolveUnit(pool, unitRef, '<unit>');
          const removed = await unsetContacts(pool, unit.id, list);
          const missing = list.filter((e) => !removed.includes(e));
          say(
            `${unitText(unit)}: removed ${removed.length}${removed.length ? ` (${removed.join(', ')})` : ''}`,
          );
          if (missing.length) say(`not among its contacts: ${missing.join(', ')}`);
        });
      }),
    );

  contacts
    .command('list')
    .description('every unit with contacts')
    .option('--format <format>', 'table, json or csv', 'table')
    .action(
      action(async (opts: { format?: string }) => {
        const format = parseFormat(opts.format, ['table', 'json', 'csv'] as const, 'table');
        await withPool(async (pool) => {
          const rows = await listContacts(pool);
          if (format === 'json') process.stdout.write(toJsonText(rows));
          else if (format === 'csv') process.stdout.write(toCsv(rows, COLUMNS, { bom: true }));
          else process.stdout.write(rows.length ? renderTable(rows, COLUMNS) : 'no contacts yet\n');
        });
      }),
    );

  contacts
    .command('import')
    .description('add contacts from a CSV file: unit (code, departmentId or name), e-mail; all or nothing')
    .argument('<file>', 'CSV file (UTF-8, "," or ";" separated, optional header row)')
    .action(
      action(async (file: string) => {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (e) {
          throw new InputError(
            '<file>',
            `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          );
        }
        await withPool(async (pool) => {
          const lines = await readContactsCsv(pool, text, file);
          const added = await withTransaction(pool, async (db) => {
            let n = 0;
            for (const l of lines) n += (await addContacts(db, l.unit.id, l.emails)).length;
            return n;
          });
          const units = new Set(lines.map((l) => l.unit.id)).size;
          say(`${file}: ${lines.length} row(s), ${units} unit(s), ${added} address(es) added`);
        });
      }),
    );
}
