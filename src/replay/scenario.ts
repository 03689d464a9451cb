/**
 * The scenario format of the replay portal: a JSON file that describes one province, its
 * agencies and communes, and their six group scores report date by report date. The replay
 * portal (scenario mode) turns it into answers in exactly the portal's recorded shapes; tests
 * and the demo write scenarios to play "what the portal said on each day".
 *
 * A tiny example (two units, three report dates, a gap on 2026-11-03):
 * ```json
 * {
 *   "version": 1,
 *   "province": { "id": "019d2be3-6a85-74ec-a341-16615c474af4", "code": "H18", "name": "UBND tỉnh Điện Biên" },
 *   "units": [
 *     { "id": "00000000-0000-4000-8000-000000000001", "code": "H18.01", "name": "Sở Y tế - tỉnh Điện Biên", "kind": "agency" },
 *     { "id": "00000000-0000-4000-8000-000000000100", "code": "H18.100", "name": "UBND xã Mường Phăng", "kind": "commune", "nameForm": "NFD" }
 *   ],
 *   "base": {
 *     "units": {
 *       "H18.01":  { "CKMB": 12.5, "TDGQ": 18, "CLGQ": 8.2, "TTTT": { "score": 7.1, "paidOnline": 710, "withFees": 1000 }, "MDSH": 11, "MDHL": 15 },
 *       "H18.100": { "CKMB": 10, "TDGQ": 17.5, "CLGQ": 7.9, "TTTT": 6.4, "MDSH": 9.8, "MDHL": null }
 *     }
 *   },
 *   "days": {
 *     "2026-11-01": {},
 *     "2026-11-02": { "units": { "H18.01": { "TTTT": 4.2 } } },
 *     "2026-11-04": { "units": { "H18.01": { "TTTT": 7.0 } }, "groupMax": { "TTTT": 12 } }
 *   }
 * }
 * ```
 *
 * Semantics (what the server computes from it — see `resolve.ts`):
 * - **Days and persistence.** `days` is keyed by report date. The state of a day is `base`
 *   with the `changes` of every listed day up to and including that day applied in date order;
 *   a change persists until a later day changes the same thing again. A date not listed is a
 *   gap: the server answers a request for it with the latest listed day before it (a real
 *   portal keeps serving its last computation) and 503 before the first listed day.
 * - **Group values.** A group value is a score (≤ 2 decimals) or `null` ("no data"), or an
 *   object. A change merges into the previous value field by field: a bare number `n` means
 *   `{ "score": n }` and keeps the other fields (max, sub-metrics, flags); `metrics` and
 *   `counts` are replaced as a whole when given; `quality: null` clears a flag; `missing: false`
 *   puts a unit back into a group's list.
 * - **Maxima.** A group's max is `GROUP_MAX` (CKMB 18, TDGQ 20, CLGQ 12, TTTT 10, MDSH 22,
 *   MDHL 18) unless the day's `groupMax` says otherwise (a formula change for every unit and the
 *   province from that day on) or the unit's own `max` does (that unit only).
 * - **Totals.** A unit's TOTAL (its `service-results` score) is the sum of its six groups, and
 *   `null` when any group is `null` (the portal gives no partial total; we never count a
 *   missing group as 0). Its TOTAL max is the sum of the six maxima.
 * - **Province groups.** The province's own group value is `province[GROUP]` when given;
 *   otherwise the mean of its units' scores in that group, rounded to 2 decimals, over units
 *   whose score is not `null` (and, for that group, not `missing`); `null` when no unit has a
 *   score. The province's TOTAL is the sum of its groups (`null` if any is `null`).
 * - **National list.** The watched province's national row is computed from its own groups.
 *   The other provinces come from `provinces` when given; otherwise they are generated from
 *   `PROVINCES` (the 34-province catalogue) with `seed`, fixed across days. `changes.provinces`
 *   overrides individual provinces' groups from a day on.
 * - **Periods.** All values are for the **year** period (`timeType: "year"`, the year of the
 *   listed day in force; a request for another year gets a 404 naming the request). Quarter
 *   and month answers are derived deterministically from the year value:
 *   `clamp(yearScore + offset, 0, max)` rounded to 2 decimals, where `offset` ∈ [−6 %, +6 %]
 *   of the group max is a hash of (seed, unit id, group, period key); `null` stays `null`. So a
 *   fall in the year value shows in every period on the same day. A period starting after the
 *   answered date has no data (the server says so with a 404 naming the request).
 * - **Sub-metrics.** When a group's `metrics` (Shape-A groups CKMB, MDSH, MDHL) or counts (tree
 *   groups TDGQ, CLGQ, TTTT) are not given, they are generated deterministically from the score
 *   so that metric scores add up to the group score. For TTTT, `paidOnline`/`withFees` set the
 *   dossiers paid online / dossiers with fees or charges
 *   (`totalDossierOnlinePaymentSuccess` / `totalDossierFinancialObligation`). Given metrics,
 *   counts and payment numbers describe the year; quarter and month answers generate theirs
 *   from the derived score.
 * - **Checks.** A score above its max on any day is rejected when the server starts.
 * - **Data quality.** `quality` ({status, message}) is shown as `dataQualityStatus` /
 *   `dataQualityMessage` on the group's flag metric (CKMB `DOSSIER_SYNC`, MDSH
 *   `ORIGINAL_RESULT_AVAILABLE`, MDHL `DOSSIER_RECEIVING_SATISFACTION`); only Shape-A groups
 *   carry such fields in the real answers, so it is rejected on tree groups. Generated metrics
 *   carry no flag unless `quality` (or a given metric row) says so.
 * - **Missing.** `missing: true` leaves the unit out of that group's list (the province list and
 *   the other groups still have it) — what the portal does when a unit is not computed yet.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { GROUP_CODES, type GroupCode, isIsoDate } from '../domain.js';
import { InputError } from '../errors.js';

/** Groups answered in Shape A (`overview` + `evaluation[]` + `metrics[]`). */
export const SHAPE_A_GROUPS = ['CKMB', 'MDSH', 'MDHL'] as const satisfies readonly GroupCode[];
/** Groups answered in Shape B (`parent` + `children[]`). */
export const TREE_GROUPS = ['TDGQ', 'CLGQ', 'TTTT'] as const satisfies readonly GroupCode[];

const twoDecimals = (n: number) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6;

/** A score: a number with at most two decimals, or `null` for "the portal gave no value". */
const scoreSchema = z
  .number()
  .finite()
  .min(0)
  .refine(twoDecimals, 'a score has at most 2 decimals (e.g. 6.67)')
  .nullable();

const countSchema = z.number().int().min(0);

/** One metric row of a Shape-A group, as the portal lists it inside `metrics[]`. */
const metricSchema = z
  .object({
    /** Portal metric code, e.g. `ORIGINAL_RESULT_AVAILABLE`. */
    code: z.string().min(1),
    /** Vietnamese label; defaults to the portal's label for known codes. */
    name: z.string().optional(),
    numerator: z.number().nullable(),
    denominator: z.number().nullable(),
    /** Percentage with ≤ 2 decimals; defaults to numerator / denominator. */
    ratio: z.number().nullable().optional(),
    /** Points earned; defaults to ratio × maxScore / 100. */
    score: scoreSchema.optional(),
    /** Points available; defaults to the portal's weight for known codes. */
    maxScore: z.number().min(0).optional(),
    dataQualityStatus: z.string().optional(),
    dataQualityMessage: z.string().optional(),
  })
  .strict();

const qualitySchema = z.object({ status: z.string().min(1), message: z.string() }).strict();

/** The full form of a group value (every field optional in a change; see the merge rules). */
const groupObjectSchema = z
  .object({
    /** The group score, ≤ 2 decimals, or null. */
    score: scoreSchema.optional(),
    /** This unit's max for the group (overrides `groupMax` and GROUP_MAX). */
    max: z.number().positive().optional(),
    /** TTTT only: dossiers paid online (`totalDossierOnlinePaymentSuccess`). */
    paidOnline: countSchema.optional(),
    /** TTTT only: dossiers with fees or charges (`totalDossierFinancialObligation`). */
    withFees: countSchema.optional(),
    /** Shape-A groups only: the metric rows, replacing the generated ones. */
    metrics: z.array(metricSchema).optional(),
    /** Tree groups only: raw count fields of the tree row (e.g. `totalReceived`), verbatim. */
    counts: z.record(z.string(), z.number().nullable()).optional(),
    /** A data-quality flag on the group (Shape-A groups only); null clears it. */
    quality: qualitySchema.nullable().optional(),
    /** True: the unit is absent from this group's list; false puts it back. */
    missing: z.boolean().optional(),
  })
  .strict();

const groupValueSchema = z.union([scoreSchema, groupObjectSchema]);

/** Values of one unit (or the province): any subset of the six groups. */
const unitValuesSchema = z
  .object(
    Object.fromEntries(GROUP_CODES.map((g) => [g, groupValueSchema.optional()])) as Record<
      GroupCode,
      z.ZodOptional<typeof groupValueSchema>
    >,
  )
  .strict();

/** A national row's group scores (other provinces). */
const provinceGroupsSchema = z
  .object(
    Object.fromEntries(GROUP_CODES.map((g) => [g, scoreSchema.optional()])) as Record<
      GroupCode,
      z.ZodOptional<typeof scoreSchema>
    >,
  )
  .strict();

/** What a day may change (and what `base` holds). */
const changesSchema = z
  .object({
    /** Per unit code: group values to merge. */
    units: z.record(z.string(), unitValuesSchema).optional(),
    /** The province's own group values (else the mean of its units). */
    province: unitValuesSchema.optional(),
    /** Formula change: a group's max for every unit and the province from this day on. */
    groupMax: z
      .object(
        Object.fromEntries(GROUP_CODES.map((g) => [g, z.number().positive().optional()])) as Record<
          GroupCode,
          z.ZodOptional<z.ZodNumber>
        >,
      )
      .strict()
      .optional(),
    /** Per province code (other provinces only): national group scores to merge. */
    provinces: z.record(z.string(), provinceGroupsSchema).optional(),
  })
  .strict();

const unitSchema = z
  .object({
    /** The portal's departmentId (any unique string; real ones are UUIDs). */
    id: z.string().min(1),
    /** `H18.01` (agencies, small numbers) or `H18.100`+ (communes/wards). */
    code: z.string().regex(/^H\d{2}\.\d+$/, 'a unit code looks like H18.01 or H18.105'),
    /** The name as the portal shows it. */
    name: z.string().min(1),
    kind: z.enum(['agency', 'commune']),
    /** How the server writes the name on the wire (default NFC; the portal sometimes sends NFD). */
    nameForm: z.enum(['NFC', 'NFD']).optional(),
  })
  .strict();

const provinceRefSchema = z
  .object({
    id: z.string().min(1),
    code: z.string().regex(/^H\d{2}$/, 'a province code looks like H18'),
    name: z.string().min(1),
  })
  .strict();

const otherProvinceSchema = provinceRefSchema
  .extend({
    /** The province's six group scores (its national TOTAL is their sum). */
    groups: provinceGroupsSchema,
  })
  .strict();

export const scenarioSchema = z
  .object({
    /** Format version; only 1 exists. */
    version: z.literal(1),
    /** Free text: what this scenario is for. */
    description: z.string().optional(),
    /** Seed of every generated number (other provinces, sub-metrics, period offsets). Default 1. */
    seed: z.number().int().optional(),
    /** The watched province (its id is the `rootDepartmentId` the server answers for). */
    province: provinceRefSchema,
    /** The other provinces of the national list (default: generated from PROVINCES). */
    provinces: z.array(otherProvinceSchema).optional(),
    /** The province's agencies and communes, in no particular order. */
    units: z.array(unitSchema).min(1),
    /** Values in force before the first day's changes. */
    base: changesSchema,
    /** Report dates (YYYY-MM-DD) → changes of that day (`{}` for "same as before"). */
    days: z.record(z.string(), changesSchema),
  })
  .strict()
  .superRefine((s, ctx) => {
    const codes = new Set<string>();
    const ids = new Set<string>([s.province.id]);
    for (const [i, u] of s.units.entries()) {
      if (codes.has(u.code))
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'code'],
          message: `duplicate unit code ${u.code}`,
        });
      if (ids.has(u.id))
        ctx.addIssue({ code: 'custom', path: ['units', i, 'id'], message: `duplicate id ${u.id}` });
      if (!u.code.startsWith(`${s.province.code}.`))
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'code'],
          message: `must start with ${s.province.code}.`,
        });
      codes.add(u.code);
      ids.add(u.id);
    }
    if (s.provinces?.some((p) => p.id === s.province.id || p.code === s.province.code)) {
      ctx.addIssue({ code: 'custom', path: ['provinces'], message: 'must not contain the watched province' });
    }
    const dates = Object.keys(s.days);
    if (dates.length === 0)
      ctx.addIssue({ code: 'custom', path: ['days'], message: 'list at least one report date' });
    const blocks: [Array<string | number>, z.infer<typeof changesSchema>][] = [
      [['base'], s.base],
      ...dates.map((d): [Array<string | number>, z.infer<typeof changesSchema>] => [['days', d], s.days[d]!]),
    ];
    for (const d of dates) {
      if (!isIsoDate(d))
        ctx.addIssue({ code: 'custom', path: ['days', d], message: 'a report date is YYYY-MM-DD' });
    }
    for (const [path, block] of blocks) {
      for (const code of Object.keys(block.units ?? {})) {
        if (!codes.has(code))
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'units', code],
            message: `no unit with code ${code} in units[]`,
          });
      }
      const valueBlocks: [Array<string | number>, z.infer<typeof unitValuesSchema>][] = [
        ...Object.entries(block.units ?? {}).map(
          ([c, v]): [Array<string | number>, z.infer<typeof unitValuesSchema>] => [[...path, 'units', c], v],
        ),
        ...(block.province
          ? [
              [[...path, 'province'], block.province] as [
                Array<string | number>,
                z.infer<typeof unitValuesSchema>,
              ],
            ]
          : []),
      ];
      for (const [vpath, values] of valueBlocks) {
        for (const g of GROUP_CODES) {
          const v = values[g];
          if (v === null || v === undefined || typeof v === 'number') continue;
          const tree = (TREE_GROUPS as readonly string[]).includes(g);
          if (tree && v.metrics)
            ctx.addIssue({
              code: 'custom',
              path: [...vpath, g, 'metrics'],
              message: `${g} is a tree group: use counts, not metrics`,
            });
          if (tree && v.quality)
            ctx.addIssue({
              code: 'custom',
              path: [...vpath, g, 'quality'],
              message: `${g} answers carry no data-quality fields (only CKMB, MDSH, MDHL)`,
            });
          if (!tree && v.counts)
            ctx.addIssue({
              code: 'custom',
              path: [...vpath, g, 'counts'],
              message: `${g} is a Shape-A group: use metrics, not counts`,
            });
          if (g !== 'TTTT' && (v.paidOnline !== undefined || v.withFees !== undefined))
            ctx.addIssue({
              code: 'custom',
              path: [...vpath, g],
              message: 'paidOnline/withFees belong to TTTT only',
            });
        }
      }
    }
  });

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioChanges = z.infer<typeof changesSchema>;
export type ScenarioUnit = z.infer<typeof unitSchema>;
export type UnitValues = z.infer<typeof unitValuesSchema>;
export type GroupValue = z.infer<typeof groupValueSchema>;
export type GroupObject = z.infer<typeof groupObjectSchema>;
export type ScenarioMetric = z.infer<typeof metricSchema>;
export type OtherProvince = z.infer<typeof otherProvinceSchema>;
export type ProvinceGroups = z.infer<typeof provinceGroupsSchema>;

/**
 * Validate a parsed JSON value as a scenario. Throws InputError naming the first bad fields
 * (`days.2026-11-02.units.H18.01.TTTT: a score has at most 2 decimals`).
 */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const res = scenarioSchema.safeParse(value);
  if (res.success) return res.data;
  const lines = res.error.issues.slice(0, 8).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new InputError(source, `not a valid scenario:\n  ${lines.join('\n  ')}`);
}

/** Read and validate a scenario file (InputError for unreadable, non-JSON or invalid files). */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError('--scenario', `cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError('--scenario', `${file} is not JSON: ${(e as Error).message}`);
  }
  return parseScenario(json, file);
}

/** The listed report dates, ascending. */
export function scenarioDates(s: Scenario): string[] {
  return Object.keys(s.days).sort();
}
