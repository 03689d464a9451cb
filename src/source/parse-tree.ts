/**
 * Shape B "tree" endpoints (`dvc-progress-tree` → TDGQ, `provide-online-tree` → CLGQ,
 * `formality-online-payment-tree` → TTTT; PORTAL_API.md §4): `data.parent` is the province,
 * `data.children[]` its units with `level` (PROVINCE = a provincial agency, COMMUNE). The
 * dvc-progress children say `score`/`maxScore` where everything else says
 * `totalScore`/`totalMaxScore`.
 *
 * These endpoints have no `metrics[]`; they send raw counts instead. We turn the counts into
 * derived metrics (codes below) so an alert can say why a score fell. A derived metric has
 * numerator and denominator as the portal counted them, a ratio in %, and no points of its
 * own (score/maxScore null): the portal's formula for the group score from these counts is
 * not published and the counts do not reproduce it exactly.
 *
 * | group | code | numerator / denominator | meaning |
 * | TDGQ | ON_TIME_DOSSIERS | totalOnTime / totalReceived | dossiers settled on time; ratio as the portal gives it (checked: equals the quotient on every row that received dossiers; 0 / 0 comes as ratio 0) |
 * | TDGQ | OVERDUE_DOSSIERS | totalOverdue / totalReceived | dossiers overdue (children only; the parent has no totalOverdue) |
 * | TTTT | ONLINE_PAYMENT_DOSSIERS | totalDossierOnlinePaymentSuccess / totalDossierFinancialObligation | dossiers with a fee or charge that were paid online. The row's own `ratio` is NOT this: it is the group score in % (score/10), so we compute the quotient |
 * | TTTT | ONLINE_PAYMENT_FORMALITIES | totalDossierOnlineFormalityPaymentSuccess / totalFeeFormality | procedures with a fee (totalFeeFormality, always equal to totalFeeDossierFormalityDistinct in the recordings) that had at least one dossier paid online |
 * | TTTT | FEE_DOSSIER_FORMALITIES | totalFeeDossierFormality / totalFeeFormality | a further count of fee procedures whose exact meaning is not documented; it does move the score (a fit of the recorded scores needs it), so it is kept |
 * | CLGQ | FULL_ONLINE_FORMALITIES | fullCount / authorityCount | procedures under the province's authority offered fully online (parent only) |
 * | CLGQ | PARTIAL_ONLINE_FORMALITIES | partialCount / authorityCount | … offered partly online (parent only) |
 * | CLGQ | ONLINE_CHANNEL_DOSSIERS | channelOnlineSum / channelTotalSum | dossiers received online among all channels (parent only) |
 * | CLGQ | ONLINE_ON_TIME_DOSSIERS | onlineOnTimeSum / channelOnlineSum | online dossiers settled on time (on time + overdue = online, checked) (parent only) |
 *
 * provide-online-tree children carry scores only, so they get no metrics. A derived metric is
 * emitted when the row has its numerator field; a missing or null denominator is null.
 */
import type { GroupCode, UnitKind } from '../domain.js';
import { printableValue } from '../text.js';
import { isUuid, type RowRef, settleDuplicates, ValueChecks } from './parse-checks.js';
import {
  codeSuffix,
  formatError,
  type JsonObject,
  percentOf,
  readArray,
  readNumberEither,
  readObject,
  readOptionalNumber,
  readOptionalString,
  readString,
  unknownKeys,
} from './parse-fields.js';
import { readPagination } from './parse-shape-a.js';
import type { CallName } from './requests.js';
import type { MetricObservation, ParsedCapture, ScoreObservation, UnitObservation } from './types.js';

export type TreeCall = 'dvc-progress-tree' | 'provide-online-tree' | 'formality-online-payment-tree';

export const TREE_GROUP: Readonly<Record<TreeCall, GroupCode>> = {
  'dvc-progress-tree': 'TDGQ',
  'provide-online-tree': 'CLGQ',
  'formality-online-payment-tree': 'TTTT',
};

interface DerivedMetric {
  readonly code: string;
  readonly name: string;
  readonly numerator: string;
  readonly denominator: string;
  /** Take the row's `ratio` as the metric's ratio (only where checked to be this quotient). */
  readonly portalRatio?: boolean;
}

const DERIVED: Readonly<Record<TreeCall, readonly DerivedMetric[]>> = {
  'dvc-progress-tree': [
    {
      code: 'ON_TIME_DOSSIERS',
      name: 'Tỷ lệ hồ sơ giải quyết đúng hạn',
      numerator: 'totalOnTime',
      denominator: 'totalReceived',
      portalRatio: true,
    },
    {
      code: 'OVERDUE_DOSSIERS',
      name: 'Tỷ lệ hồ sơ quá hạn',
      numerator: 'totalOverdue',
      denominator: 'totalReceived',
    },
  ],
  'formality-online-payment-tree': [
    {
      code: 'ONLINE_PAYMENT_DOSSIERS',
      name: 'Tỷ lệ hồ sơ có nghĩa vụ tài chính được thanh toán trực tuyến',
      numerator: 'totalDossierOnlinePaymentSuccess',
      denominator: 'totalDossierFinancialObligation',
    },
    {
      code: 'ONLINE_PAYMENT_FORMALITIES',
      name: 'Tỷ lệ TTHC có phí, lệ phí phát sinh thanh toán trực tuyến',
      numerator: 'totalDossierOnlineFormalityPaymentSuccess',
      denominator: 'totalFeeFormality',
    },
    {
      code: 'FEE_DOSSIER_FORMALITIES',
      name: 'totalFeeDossierFormality / totalFeeFormality (ý nghĩa chưa được công bố)',
      numerator: 'totalFeeDossierFormality',
      denominator: 'totalFeeFormality',
    },
  ],
  'provide-online-tree': [
    {
      code: 'FULL_ONLINE_FORMALITIES',
      name: 'Tỷ lệ TTHC cung cấp dịch vụ công trực tuyến toàn trình',
      numerator: 'fullCount',
      denominator: 'authorityCount',
    },
    {
      code: 'PARTIAL_ONLINE_FORMALITIES',
      name: 'Tỷ lệ TTHC cung cấp dịch vụ công trực tuyến một phần',
      numerator: 'partialCount',
      denominator: 'authorityCount',
    },
    {
      code: 'ONLINE_CHANNEL_DOSSIERS',
      name: 'Tỷ lệ hồ sơ nộp trực tuyến',
      numerator: 'channelOnlineSum',
      denominator: 'channelTotalSum',
    },
    {
      code: 'ONLINE_ON_TIME_DOSSIERS',
      name: 'Tỷ lệ hồ sơ trực tuyến giải quyết đúng hạn',
      numerator: 'onlineOnTimeSum',
      denominator: 'channelOnlineSum',
    },
  ],
};

/** Keys read (or known and derivable: `ratio`); other keys (avgProcessingDays, …) go to extras. */
const BASE_KEYS = [
  'departmentId',
  'departmentName',
  'departmentCode',
  'level',
  'score',
  'maxScore',
  'totalScore',
  'totalMaxScore',
  'ratio',
  'scoreDelta',
];
const ROW_KEYS: Readonly<Record<TreeCall, ReadonlySet<string>>> = {
  'dvc-progress-tree': new Set([...BASE_KEYS, ...DERIVED['dvc-progress-tree'].flatMap(countKeys)]),
  'provide-online-tree': new Set([...BASE_KEYS, ...DERIVED['provide-online-tree'].flatMap(countKeys)]),
  'formality-online-payment-tree': new Set([
    ...BASE_KEYS,
    ...DERIVED['formality-online-payment-tree'].flatMap(countKeys),
  ]),
};
function countKeys(d: DerivedMetric): string[] {
  return [d.numerator, d.denominator];
}

function childKind(call: CallName, row: JsonObject, code: string | null, path: string): UnitKind {
  const level = readOptionalString(call, row, 'level', path);
  if (level === 'PROVINCE') return 'agency'; // a unit at province level (sở, ban, ngành)
  if (level === 'COMMUNE') return 'commune';
  const suffix = codeSuffix(code);
  if (suffix !== null) return suffix >= 100 ? 'commune' : 'agency';
  return formatError(call, `${path}.level`, `unknown unit level ${printableValue(level)}`);
}

function derivedMetrics(
  call: TreeCall,
  unitId: string,
  row: JsonObject,
  path: string,
  checks: ValueChecks,
  ref: RowRef,
): MetricObservation[] {
  const group = TREE_GROUP[call];
  const out: MetricObservation[] = [];
  for (const d of DERIVED[call]) {
    const num = readOptionalNumber(call, row, d.numerator, path);
    const den = readOptionalNumber(call, row, d.denominator, path);
    if (num === undefined) continue; // the row does not count this at all (e.g. the parent's overdue)
    const numerator = num ?? null;
    const denominator = den ?? null;
    const ratio = d.portalRatio
      ? (readOptionalNumber(call, row, 'ratio', path) ?? percentOf(numerator, denominator))
      : percentOf(numerator, denominator);
    out.push(
      checks.metric(
        {
          unitId,
          group,
          code: d.code,
          name: d.name,
          numerator,
          denominator,
          ratio,
          score: null,
          maxScore: null,
          qualityStatus: null,
          qualityMessage: null,
        },
        path,
        ref,
      ),
    );
  }
  return out;
}

/**
 * Parse a Shape-B body: the parent (province) and every child with its group score, and the
 * derived metrics of the counts. `provinceId`, when given, must be the parent's departmentId.
 */
export function parseTree(call: TreeCall, data: JsonObject, ctx: { provinceId?: string }): ParsedCapture {
  const group = TREE_GROUP[call];
  const checks = new ValueChecks(call);
  const parent = readObject(call, data.parent, 'data.parent');
  const provinceId = readString(call, parent, 'departmentId', 'data.parent').toLowerCase();
  if (!isUuid(provinceId)) formatError(call, 'data.parent.departmentId', 'the province id is not a uuid');
  if (ctx.provinceId !== undefined && ctx.provinceId.toLowerCase() !== provinceId)
    formatError(call, 'data.parent.departmentId', `the answer is for ${provinceId}, not ${ctx.provinceId}`);

  const units: UnitObservation[] = [];
  const scores: ScoreObservation[] = [];
  const metrics: MetricObservation[] = [];
  const rowExtras: Record<string, JsonObject> = {};

  const addRow = (row: JsonObject, path: string, isParent: boolean) => {
    const rawCode = readOptionalString(call, row, 'departmentCode', path);
    const id = isParent
      ? provinceId
      : checks.id(readString(call, row, 'departmentId', path, { allowEmpty: true }), `${path}.departmentId`, {
          code: rawCode,
        });
    if (id === null) return;
    const code = checks.text(rawCode, 'departmentCode', `${path}.departmentCode`, {
      unitId: id,
      code: rawCode,
    });
    const kind: UnitKind = isParent ? 'province' : childKind(call, row, code, path);
    const name = checks.text(
      readString(call, row, 'departmentName', path, { allowEmpty: true }),
      'departmentName',
      `${path}.departmentName`,
      { unitId: id, code },
      { required: true },
    );
    const ref = { unitId: id, code, name };
    units.push({ id, code, name, kind, parentId: isParent ? null : provinceId });
    // dvc-progress children say score/maxScore; everyone else totalScore/totalMaxScore.
    const keys =
      call === 'dvc-progress-tree' && !isParent
        ? { score: ['score', 'totalScore'], max: ['maxScore', 'totalMaxScore'] }
        : { score: ['totalScore', 'score'], max: ['totalMaxScore', 'maxScore'] };
    const scoreKey = keys.score.find((k) => k in row) ?? keys.score[0];
    const maxKey = keys.max.find((k) => k in row) ?? keys.max[0];
    const delta = readOptionalNumber(call, row, 'scoreDelta', path);
    scores.push({
      unitId: id,
      group,
      ...checks.score(
        readNumberEither(call, row, keys.score, path),
        readNumberEither(call, row, keys.max, path),
        true,
        `${path}.${scoreKey}`,
        `${path}.${maxKey}`,
        { ...ref, group },
      ),
      rank: null,
      rankOf: null,
      flags: [],
      ...(delta !== undefined ? { scoreDelta: delta } : {}),
    });
    metrics.push(...derivedMetrics(call, id, row, path, checks, ref));
    const extra = unknownKeys(row, ROW_KEYS[call]);
    if (Object.keys(extra).length > 0) rowExtras[id] = extra;
  };

  addRow(parent, 'data.parent', true);
  readArray(call, data.children, 'data.children').forEach((raw, i) => {
    const path = `data.children[${i}]`;
    addRow(readObject(call, raw, path), path, false);
  });

  const extras: Record<string, unknown> = unknownKeys(data, new Set(['children', 'pagination']));
  if (Object.keys(rowExtras).length > 0) extras.rowExtras = rowExtras;
  const settled = settleDuplicates(call, units, scores, metrics);
  return {
    call,
    units: settled.units,
    scores: settled.scores,
    metrics: settled.metrics,
    problems: [...checks.problems, ...settled.problems],
    pagination: readPagination(call, data.pagination),
    extras,
  };
}
