/**
 * `dvc-index parse --endpoint <call> <file>`: the observations parsed from one saved response
 * body, for operators inspecting a capture and developers checking a new recording. Exit 4
 * naming the endpoint and field when the body does not match the endpoint's format; exit 2
 * when it matches but some values are unusable — the same problems, from the same checks,
 * that ingest records for a run (it stores the rest), listed on stderr.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { GROUP_CODES } from '../../domain.js';
import { InputError } from '../../errors.js';
import { parseCapture } from '../../source/parse-capture.js';
import { CALLS, type CallName } from '../../source/requests.js';
import type { ParsedCapture, ScoreObservation, UnitObservation } from '../../source/types.js';
import { escapeControlChars } from '../../text.js';
import { type Column, fmtScore, renderTable, toJsonText } from '../format.js';
import { action, checkInputFile, parseFormat } from '../run.js';

const FORMATS = ['table', 'json'] as const;

function parseCall(value: string): CallName {
  if ((CALLS as readonly string[]).includes(value)) return value as CallName;
  throw new InputError('--endpoint', `"${value}" is not a call name`, [...CALLS]);
}

interface NationalRow {
  readonly unit: UnitObservation;
  readonly scores: ReadonlyMap<string, ScoreObservation>;
}

/** National list: one row per province with total, rank and the six groups. */
function renderNational(parsed: ParsedCapture): string {
  const rows: NationalRow[] = parsed.units.map((unit) => ({
    unit,
    scores: new Map(parsed.scores.filter((s) => s.unitId === unit.id).map((s) => [s.group, s])),
  }));
  rows.sort((a, b) => (a.scores.get('TOTAL')?.rank ?? 1e9) - (b.scores.get('TOTAL')?.rank ?? 1e9));
  const cols: Column<NationalRow>[] = [
    { header: 'rank', value: (r) => r.scores.get('TOTAL')?.rank ?? null, align: 'right' },
    { header: 'code', value: (r) => r.unit.code },
    { header: 'name', value: (r) => r.unit.name },
    { header: 'total', value: (r) => fmtScore(r.scores.get('TOTAL')?.score), align: 'right' },
    { header: 'delta', value: (r) => fmtScore(r.scores.get('TOTAL')?.scoreDelta), align: 'right' },
    ...GROUP_CODES.map(
      (g): Column<NationalRow> => ({
        header: g,
        value: (r) => fmtScore(r.scores.get(g)?.score),
        align: 'right',
      }),
    ),
    { header: 'id', value: (r) => r.unit.id },
  ];
  return renderTable(rows, cols);
}

interface ScoreRow {
  readonly unit: UnitObservation | undefined;
  readonly score: ScoreObservation;
  readonly metrics: number;
}

/** Other endpoints: one row per score observation (unit × group). */
function renderScores(parsed: ParsedCapture): string {
  const units = new Map(parsed.units.map((u) => [u.id, u]));
  const metricCount = new Map<string, number>();
  for (const m of parsed.metrics) metricCount.set(m.unitId, (metricCount.get(m.unitId) ?? 0) + 1);
  const rows: ScoreRow[] = parsed.scores.map((score) => ({
    unit: units.get(score.unitId),
    score,
    metrics: metricCount.get(score.unitId) ?? 0,
  }));
  const cols: Column<ScoreRow>[] = [
    { header: 'id', value: (r) => r.score.unitId },
    { header: 'code', value: (r) => r.unit?.code },
    { header: 'name', value: (r) => r.unit?.name },
    { header: 'kind', value: (r) => r.unit?.kind },
    { header: 'group', value: (r) => r.score.group },
    { header: 'score', value: (r) => fmtScore(r.score.score), align: 'right' },
    { header: 'max', value: (r) => fmtScore(r.score.maxScore), align: 'right' },
    { header: 'rank', value: (r) => r.score.rank, align: 'right' },
    { header: 'metrics', value: (r) => r.metrics, align: 'right' },
    { header: 'flags', value: (r) => (r.score.flags.length > 0 ? r.score.flags.join(' ') : null) },
  ];
  return renderTable(rows, cols);
}

/** The text report of one parsed body. */
export function renderParsed(parsed: ParsedCapture): string {
  const kinds = { province: 0, agency: 0, commune: 0 };
  for (const u of parsed.units) kinds[u.kind]++;
  const p = parsed.pagination;
  const lines = [
    `endpoint ${parsed.call}: ${parsed.units.length} units (${kinds.province} province, ${kinds.agency} agencies, ` +
      `${kinds.commune} communes), ${parsed.scores.length} scores, ${parsed.metrics.length} metrics` +
      (p ? `, page ${p.currentPage}/${p.totalPages} (size ${p.pageSize}, total ${p.total ?? '–'})` : ''),
  ];
  const overview = parsed.extras.overview ?? parsed.extras.parent;
  if (overview !== undefined)
    lines.push(
      `${'overview' in parsed.extras ? 'overview' : 'parent'} (as the portal gave it): ${escapeControlChars(JSON.stringify(overview))}`,
    );
  lines.push('');
  return `${lines.join('\n')}\n${parsed.call === 'national' ? renderNational(parsed) : renderScores(parsed)}`;
}

export function register(program: Command): void {
  program
    .command('parse')
    .description(
      'print the observations parsed from one saved portal response body (exit 4 if it does not match)',
    )
    .requiredOption('--endpoint <call>', `call name: ${CALLS.join(', ')}`)
    .option('--format <format>', 'table or json', 'table')
    .option(
      '--province-id <uuid>',
      "the province's departmentId (service-results: default from its units' codes, e.g. H01.189 → H01)",
    )
    .argument('<file>', 'the saved response body')
    .action(
      action(async (file: string, opts: { endpoint: string; format?: string; provinceId?: string }) => {
        const call = parseCall(opts.endpoint);
        const format = parseFormat(opts.format, FORMATS, 'table');
        await checkInputFile(file, '<file>');
        let body: Buffer;
        try {
          body = await readFile(file);
        } catch (e) {
          throw new InputError('<file>', `cannot read ${file}: ${(e as Error).message}`);
        }
        let parsed: ParsedCapture;
        try {
          parsed = parseCapture(call, body, opts.provinceId ? { provinceId: opts.provinceId } : {});
        } catch (e) {
          // The parser names its context field; on the command line it is the flag.
          if (e instanceof InputError && e.field === 'provinceId')
            throw new InputError('--province-id', e.message.replace(/^provinceId: /, ''), e.candidates);
          throw e;
        }
        process.stdout.write(format === 'json' ? toJsonText(parsed) : renderParsed(parsed));
        if (parsed.problems.length === 0) return 0;
        for (const p of parsed.problems)
          process.stderr.write(`problem (${p.kind}): ${escapeControlChars(p.message)}\n`);
        process.stderr.write(
          `parse: ${parsed.problems.length} unusable value(s); ingest would store the rest and record these problems\n`,
        );
        return 2;
      }),
    );
}
