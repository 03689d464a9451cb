import type { Command } from 'commander';
import { type Column, fmtScore, renderTable, toJsonText } from '../../cli/format.js';
import { parsePeriodKey, periodKey } from '../../domain.js';
import { InputError } from '../../errors.js';
import { describeProblems, type ImportResult, runImport } from '../../import/import-file.js';
import type { Match } from '../../import/match.js';
import { createLogger } from '../../logger.js';
import { parseDate } from '../../query/inputs.js';
import { createPool } from '../../store/db.js';
import { action, configFromEnv, parseFormat } from '../run.js';

const STATUS: Record<Match['status'], string> = {
  matched: 'khớp',
  created: 'tạo mới',
  unmatched: 'KHÔNG KHỚP',
  ambiguous: 'NHIỀU ĐƠN VỊ',
  duplicate: 'TRÙNG',
};
const KIND: Record<string, string> = { province: 'Tỉnh', agency: 'Cơ quan', commune: 'Xã, phường' };

const COLUMNS: Column<Match>[] = [
  { header: 'Dòng trong tệp', value: (m) => m.row.where },
  { header: 'Tên trong tệp', value: (m) => m.row.name || '(bảng I.1)' },
  { header: 'Kết quả', value: (m) => STATUS[m.status] },
  { header: 'Đơn vị', value: (m) => (m.unit ? m.unit.name : m.candidates.join('; ') || null) },
  { header: 'Mã', value: (m) => m.unit?.code ?? null },
  { header: 'Loại', value: (m) => (m.unit ? (KIND[m.unit.kind] ?? m.unit.kind) : null) },
  {
    header: 'Tổng điểm',
    value: (m) => fmtScore(m.row.scores.TOTAL ?? null) ?? 'chưa đánh giá',
    align: 'right',
  },
];

function describe(r: ImportResult): string {
  const files = r.files.map((f) => `${f.name} (SHA-256 ${f.sha256})`).join(', ');
  const head = `Nhập ${files}\ncho ${r.province.name} (${r.province.code ?? r.province.id}), kỳ ${periodKey(r.period)}, số liệu tính đến ${r.asOf}\n\n`;
  const notes = r.notes.length > 0 ? `\n${r.notes.map((n) => `Lưu ý: ${n}`).join('\n')}\n` : '';
  const outcome = {
    'dry-run': 'Chạy thử (--dry-run): chưa lưu gì. Mọi tên đều khớp.',
    refused: `Chạy thử (--dry-run): chưa lưu gì. Không thể nhập: ${describeProblems(r.matches.filter((m) => m.status === 'unmatched' || m.status === 'ambiguous' || m.status === 'duplicate'))}`,
    stored: `Đã lưu: ${r.scoresStored} điểm của ${new Set(r.matches.map((m) => m.unit?.id)).size} đơn vị (lần nhập #${r.importId}).`,
    replaced: `Đã thay lần nhập trước cùng kỳ và ngày: ${r.scoresStored} điểm (lần nhập #${r.importId}).`,
    unchanged: `Tệp này đã được nhập (lần nhập #${r.importId}, ${r.scoresStored} điểm): không thay đổi gì.`,
  }[r.outcome];
  return `${head}${renderTable([...r.matches], COLUMNS)}\n${notes}\n${outcome}\n`;
}

export function register(program: Command): void {
  program
    .command('import')
    .description("store the office's own appendix tables (xlsx or csv) as an imported day of history")
    .option(
      '--file <file...>',
      'the appendix table(s): agencies and communes in one file or two (.xlsx or .csv)',
    )
    .option('--province <code>', 'province code, e.g. H18')
    .option('--period <period>', 'the period of the figures: 2025, 2025-Q4 or 2025-M12')
    .option('--as-of <date>', 'the date the figures were taken, YYYY-MM-DD (stored as the report date)')
    .option('--dry-run', 'print the match table and store nothing')
    .option('--create-missing', 'add names no known unit matches as new units (instead of stopping)')
    .option('--format <format>', 'table or json', 'table')
    .action(
      action(
        async (opts: {
          file?: string[];
          province?: string;
          period?: string;
          asOf?: string;
          dryRun?: boolean;
          createMissing?: boolean;
          format?: string;
        }) => {
          const format = parseFormat(opts.format, ['table', 'json'] as const, 'table');
          if (!opts.file || opts.file.length === 0)
            throw new InputError('--file', 'give the office’s table: --file appendix.xlsx');
          if (!opts.province)
            throw new InputError('--province', 'give the province code, e.g. --province H18');
          const period = opts.period === undefined ? null : parsePeriodKey(opts.period.trim());
          if (!period)
            throw new InputError('--period', 'give the period of the figures: 2025, 2025-Q4 or 2025-M12');
          const asOf = parseDate(opts.asOf, '--as-of');
          if (!asOf)
            throw new InputError('--as-of', 'give the date the figures were taken, e.g. --as-of 2026-01-15');
          const config = configFromEnv();
          const pool = createPool(config.databaseUrl, createLogger(config), 2);
          try {
            const r = await runImport(pool, {
              files: opts.file,
              province: opts.province,
              period,
              asOf,
              dryRun: opts.dryRun ?? false,
              createMissing: opts.createMissing ?? false,
            });
            process.stdout.write(format === 'json' ? toJsonText(r) : describe(r));
            return r.outcome === 'refused' ? 2 : 0;
          } finally {
            await pool.end();
          }
        },
      ),
    );
}
