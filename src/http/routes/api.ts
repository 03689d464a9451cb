/**
 * The read-only JSON API and its CSV exports. Every parameter goes through the shared
 * parsers (src/query/inputs.ts), so a bad date, an unknown group or an unknown unit is a 400
 * naming the parameter. CSV is UTF-8 with a BOM (Excel), one row per unit-date, empty cells
 * for "no value".
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toCsv } from '../../cli/format.js';
import type { Config } from '../../config.js';
import { GROUP_CODES, type GroupCode, SCORE_GROUPS } from '../../domain.js';
import { InputError } from '../../errors.js';
import { listAlerts } from '../../query/alerts.js';
import { readAllUnitHistory, readProvinceHistory, readUnitHistory } from '../../query/history.js';
import {
  checkRange,
  checkText,
  parseDate,
  parseGroup,
  parseGroups,
  parseKind,
  parseLimit,
  parseOneOf,
  parsePeriodType,
  parseYear,
} from '../../query/inputs.js';
import { parseCompareWith, readOfficeReport } from '../../query/office-report.js';
import { buildProvinceReport, readReportFalls } from '../../query/province-report.js';
import { readDateRange } from '../../query/report.js';
import { listRuns, RUN_STATUSES } from '../../query/runs.js';
import { readSubMetrics } from '../../query/sub-metrics.js';
import { historyCsvColumns, reportCsvColumns, reportCsvRows } from '../../query/tables.js';
import { targetMarks } from '../../query/targets.js';
import { defaultProvinceCode, listUnits, resolveProvince, resolveUnit } from '../../query/units.js';
import { targetColumns } from '../../report/target-columns.js';
import type { Pool } from '../../store/db.js';

type Query = Record<string, unknown>;

export const OFFICE_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
} as const;

/**
 * A route's query parameters (and path parameters) as a JSON schema: each one a single
 * string (given twice is a 400 naming it); its meaning is checked by the parsers of
 * src/query/inputs.ts. The schema is also what the hostile-input suite reads to know what
 * to try on each route.
 */
function params(query: readonly string[], path: readonly string[] = []) {
  const strings = (names: readonly string[]) => ({
    type: 'object',
    properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])),
  });
  return { schema: { querystring: strings(query), ...(path.length > 0 ? { params: strings(path) } : {}) } };
}
const RANGE = ['from', 'to'] as const;
const PAGING = ['after', 'limit'] as const;

/** One query parameter as text; repeating it is an error rather than a silent pick. */
function param(req: FastifyRequest, name: string): string | undefined {
  const v = (req.query as Query | undefined)?.[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new InputError(name, 'was given more than once; give it once');
  return checkText(v, name);
}

function sendCsv(reply: FastifyReply, filename: string, body: string): FastifyReply {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
    .send(body);
}

function wantsCsv(req: FastifyRequest): boolean {
  return parseOneOf(param(req, 'format'), ['json', 'csv'] as const, 'format') === 'csv';
}

export function registerApiRoutes(app: FastifyInstance, deps: { config: Config; pool: Pool }): void {
  const { config, pool } = deps;

  app.get('/api/units', params(['kind', 'province', 'q']), async (req) => {
    const kind = parseKind(param(req, 'kind'), 'kind');
    const items = await listUnits(pool, { province: param(req, 'province'), kind, q: param(req, 'q') });
    return { items };
  });

  app.get('/api/units/:id', params([], ['id']), async (req) => {
    const unit = await resolveUnit(pool, checkText((req.params as { id: string }).id, 'id'), 'id');
    return { unit };
  });

  const history = async (req: FastifyRequest, reply: FastifyReply, forceCsv: boolean) => {
    const csv = forceCsv || wantsCsv(req);
    const groups = parseGroups(param(req, 'group'), 'group') ?? [...SCORE_GROUPS];
    const periodType = parsePeriodType(param(req, 'period'), 'period');
    const periodYear = parseYear(param(req, 'year'), 'year');
    const from = parseDate(param(req, 'from'), 'from');
    const to = parseDate(param(req, 'to'), 'to');
    checkRange(from, to, 'from');
    const limit = parseLimit(param(req, 'limit'), 'limit');
    const after = param(req, 'after');
    const unit = await resolveUnit(pool, checkText((req.params as { id: string }).id, 'id'), 'id');
    const q = { unitId: unit.id, groups, periodType, periodYear, from, to };
    if (csv) {
      // An export is the whole selection, not a page.
      const points = await readAllUnitHistory(pool, q);
      const body = toCsv(
        points.map((point) => ({ unit, point })),
        historyCsvColumns(groups),
        { bom: true },
      );
      return sendCsv(reply, `lich-su-${unit.code ?? unit.id}-${periodType}${periodYear ?? ''}.csv`, body);
    }
    const page = await readUnitHistory(pool, { ...q, after, limit });
    return { unit, periodType, groups, items: page.items, nextCursor: page.nextCursor };
  };
  const historyParams = params(['group', 'period', 'year', ...RANGE, ...PAGING, 'format'], ['id']);
  app.get('/api/units/:id/history', historyParams, (req, reply) => history(req, reply, false));
  app.get('/api/units/:id/history/export.csv', historyParams, (req, reply) => history(req, reply, true));

  // The whole province's history as one spreadsheet: one row per unit-date.
  app.get(
    '/api/history/export.csv',
    params(['group', 'period', 'year', ...RANGE, 'province']),
    async (req, reply) => {
      const groups = parseGroups(param(req, 'group'), 'group') ?? [...SCORE_GROUPS];
      const periodType = parsePeriodType(param(req, 'period'), 'period');
      const periodYear = parseYear(param(req, 'year'), 'year');
      const from = parseDate(param(req, 'from'), 'from');
      const to = parseDate(param(req, 'to'), 'to');
      checkRange(from, to, 'from');
      const province = await resolveProvince(
        pool,
        param(req, 'province') ?? (await defaultProvinceCode(pool, config.provinces)),
        'province',
      );
      const units = await listUnits(pool, { province: province.id });
      const history = await readProvinceHistory(pool, {
        provinceId: province.id,
        units,
        groups,
        periodType,
        periodYear,
        from,
        to,
      });
      const rows = history.flatMap((h) => h.points.map((point) => ({ unit: h.unit, point })));
      const body = toCsv(rows, historyCsvColumns(groups), { bom: true });
      return sendCsv(reply, `lich-su-${province.code ?? 'tinh'}-${periodType}${periodYear ?? ''}.csv`, body);
    },
  );

  app.get(
    '/api/units/:id/metrics',
    params(['group', ...RANGE, 'period', 'year', ...PAGING], ['id']),
    async (req) => {
      const groups = (parseGroups(param(req, 'group'), 'group') ?? ['TTTT', 'MDSH']).map((g) => {
        if (g === 'TOTAL')
          throw new InputError('group', `TOTAL has no sub-metrics; use one of ${GROUP_CODES.join(', ')}`);
        return g as GroupCode;
      });
      const from = parseDate(param(req, 'from'), 'from');
      const to = parseDate(param(req, 'to'), 'to');
      checkRange(from, to, 'from');
      const periodType = parsePeriodType(param(req, 'period'), 'period');
      const periodYear = parseYear(param(req, 'year'), 'year');
      const limit = parseLimit(param(req, 'limit'), 'limit');
      const unit = await resolveUnit(pool, checkText((req.params as { id: string }).id, 'id'), 'id');
      const page = await readSubMetrics(pool, {
        unitId: unit.id,
        groups,
        periodType,
        periodYear,
        from,
        to,
        after: param(req, 'after'),
        limit,
      });
      return { unit, periodType, groups, items: page.items, nextCursor: page.nextCursor };
    },
  );

  const report = async (req: FastifyRequest, reply: FastifyReply, forceCsv: boolean) => {
    const csv = forceCsv || wantsCsv(req);
    const date = parseDate(param(req, 'date'), 'date');
    const periodType = parsePeriodType(param(req, 'period'), 'period');
    const built = await buildProvinceReport(pool, config, {
      province: param(req, 'province'),
      date,
      periodType,
      fields: { province: 'province', date: 'date' },
    });
    const { input, table } = built;
    if (csv) {
      const body = toCsv(reportCsvRows(table), reportCsvColumns(input.date, input.period, periodType), {
        bom: true,
      });
      return sendCsv(reply, `bao-cao-${built.province.code ?? 'tinh'}-${input.date}-${periodType}.csv`, body);
    }
    const falls = await readReportFalls(pool, config, built, periodType);
    const range = await readDateRange(pool, built.province.id, periodType);
    return {
      date: input.date,
      periodType,
      period: input.period,
      dates: range,
      classBands: config.classBands,
      falls,
      ...targetMarks(table, config, input.period),
      ...table,
    };
  };
  const reportParams = params(['date', 'period', 'province', 'format']);
  app.get('/api/report', reportParams, (req, reply) => report(req, reply, false));
  app.get('/api/report/export.csv', reportParams, (req, reply) => report(req, reply, true));

  // The office's report files: the Word report and the Excel appendices of the same day.
  const officeFile = (format: 'xlsx' | 'docx') => async (req: FastifyRequest, reply: FastifyReply) => {
    const office = await readOfficeReport(pool, config, {
      province: param(req, 'province'),
      date: parseDate(param(req, 'date'), 'date'),
      periodType: parsePeriodType(param(req, 'period'), 'period'),
      compareWith: parseCompareWith(param(req, 'compare'), 'compare'),
      fields: { province: 'province', date: 'date', compareWith: 'compare' },
    });
    const extraColumns = targetColumns(config, office.head.period);
    const body =
      format === 'xlsx'
        ? await (await import('../../report/xlsx.js')).renderXlsx(office, { extraColumns })
        : await (await import('../../report/docx.js')).renderDocx(office, { extraColumns });
    const name = `${format === 'xlsx' ? 'phu-luc' : 'bao-cao'}-${office.head.provinceCode ?? 'tinh'}-${office.head.date}-${office.head.periodType}.${format}`;
    return reply
      .header('content-type', OFFICE_TYPES[format])
      .header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
      .send(body);
  };
  const officeParams = params(['date', 'period', 'province', 'compare']);
  app.get('/api/report/export.xlsx', officeParams, officeFile('xlsx'));
  app.get('/api/report/export.docx', officeParams, officeFile('docx'));

  app.get(
    '/api/alerts',
    params(['province', 'unit', 'group', ...RANGE, 'status', 'period', ...PAGING]),
    async (req) => {
      const province = param(req, 'province');
      if (province !== undefined) await resolveProvince(pool, province, 'province');
      const unitRef = param(req, 'unit');
      const unit = unitRef === undefined ? undefined : await resolveUnit(pool, unitRef, 'unit');
      const groupText = param(req, 'group');
      let group: GroupCode | undefined;
      if (groupText !== undefined) {
        const g = parseGroup(groupText, 'group');
        if (g === 'TOTAL')
          throw new InputError('group', `alerts are per group; use one of ${GROUP_CODES.join(', ')}`);
        group = g;
      }
      const from = parseDate(param(req, 'from'), 'from');
      const to = parseDate(param(req, 'to'), 'to');
      checkRange(from, to, 'from');
      const page = await listAlerts(pool, {
        province,
        unitId: unit?.id,
        status: parseOneOf(param(req, 'status'), ['open', 'resolved'] as const, 'status'),
        group,
        periodType:
          param(req, 'period') === undefined ? undefined : parsePeriodType(param(req, 'period'), 'period'),
        from,
        to,
        after: param(req, 'after'),
        limit: parseLimit(param(req, 'limit'), 'limit'),
      });
      return page;
    },
  );

  app.get('/api/runs', params([...RANGE, 'province', 'status', ...PAGING]), async (req) => {
    const from = parseDate(param(req, 'from'), 'from');
    const to = parseDate(param(req, 'to'), 'to');
    checkRange(from, to, 'from');
    const province = param(req, 'province');
    if (province !== undefined && !/^H\d{2}$/i.test(province)) {
      throw new InputError('province', `"${province}" is not a province code like H18`);
    }
    return listRuns(pool, {
      province,
      status: parseOneOf(param(req, 'status'), RUN_STATUSES, 'status'),
      from,
      to,
      after: param(req, 'after'),
      limit: parseLimit(param(req, 'limit'), 'limit'),
    });
  });
}
