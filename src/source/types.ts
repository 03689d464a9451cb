/**
 * Typed observations parsed from the portal's answers. Parsers are pure (bytes in, these
 * out); `assembleProvinceDay` joins one run's captures into a {@link ProvinceDay}, which the
 * ingest stage upserts in one transaction and the probe prints. `null` always means "the
 * portal gave no value" and is never replaced by 0.
 */
import type { GroupCode, IsoDate, Period, ScoreGroup, UnitKind } from '../domain.js';
import type { CallName } from './requests.js';

export interface UnitObservation {
  /** The portal's departmentId (uuid). */
  readonly id: string;
  /** H18, H18.01, H18.105; null where the row has none (Shape-A rows). */
  readonly code: string | null;
  /**
   * NFC-normalised name; `null` when no answer of the run gave a usable one (absent, empty or
   * with control characters). A null name never overwrites a stored one.
   */
  readonly name: string | null;
  readonly kind: UnitKind;
  /** The province's id; null for a province. */
  readonly parentId: string | null;
}

export interface ScoreObservation {
  readonly unitId: string;
  readonly group: ScoreGroup;
  readonly score: number | null;
  readonly maxScore: number | null;
  /** Rank within its list (provinces among the 34; agencies; communes), when derivable. */
  readonly rank: number | null;
  readonly rankOf: number | null;
  /** Data-quality flags of the portal (e.g. TEMP_NATIONAL_REPORT_DENOMINATOR). */
  readonly flags: readonly string[];
  /**
   * The portal's `scoreDelta` (points vs the previous period) as given: a number, `null` when
   * the portal sent null, absent when the row has no such field.
   */
  readonly scoreDelta?: number | null;
}

export interface MetricObservation {
  readonly unitId: string;
  readonly group: GroupCode;
  /** Portal metric code, or for tree endpoints a derived code such as ONLINE_PAYMENT_DOSSIERS. */
  readonly code: string;
  readonly name: string | null;
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly ratio: number | null;
  readonly score: number | null;
  readonly maxScore: number | null;
  readonly qualityStatus: string | null;
  readonly qualityMessage: string | null;
}

export interface Pagination {
  readonly total: number | null;
  readonly currentPage: number;
  readonly pageSize: number;
  readonly totalPages: number;
}

/** What one response body says. */
export interface ParsedCapture {
  readonly call: CallName;
  /**
   * Values of this body we cannot use (out of range, control characters, an id that is not a
   * uuid, a unit listed twice with different figures): each is nulled or its row left out,
   * and said here. Ingest records the same problems for the run.
   */
  readonly problems: readonly Problem[];
  readonly units: readonly UnitObservation[];
  readonly scores: readonly ScoreObservation[];
  readonly metrics: readonly MetricObservation[];
  /** Present on paged component endpoints. */
  readonly pagination: Pagination | null;
  /** Fields we do not model (overview extras, charts, unknown keys), kept as the portal gave them. */
  readonly extras: Readonly<Record<string, unknown>>;
}

export type ProblemKind =
  | 'missing-call' // a call of the run has no usable answer
  | 'missing-unit' // a unit of the province list is absent from one group's list
  | 'unknown-unit' // a group list names a unit the province list does not have
  | 'province-mismatch' // the province's figures disagree between calls
  | 'invalid-value' // a value the portal sent that we cannot use (nulled, or its row left out)
  | 'duplicate-unit' // a unit listed twice with different figures (the differing values nulled)
  | 'unit-not-stored'; // a unit seen for the first time without a usable name (nothing of it stored)

export interface Problem {
  readonly kind: ProblemKind;
  readonly call?: CallName;
  readonly unitId?: string;
  readonly group?: ScoreGroup;
  /** invalid-value / duplicate-unit: what was refused (`name`, `score`, `departmentId`, …). */
  readonly field?: string;
  /** invalid-value / duplicate-unit: the refused value, printable (control characters escaped), at most 80 characters. */
  readonly value?: string;
  /** invalid-value: the JSON path in the body (`data.children[3].totalScore`). */
  readonly path?: string;
  readonly message: string;
}

/** One province, one report date, one period: everything the run learnt, joined on departmentId. */
export interface ProvinceDay {
  readonly provinceId: string;
  readonly provinceCode: string;
  readonly reportDate: IsoDate;
  readonly period: Period;
  /** The province first, then its agencies and communes. */
  readonly units: readonly UnitObservation[];
  readonly scores: readonly ScoreObservation[];
  readonly metrics: readonly MetricObservation[];
  readonly problems: readonly Problem[];
  /**
   * The groups whose every source call was answered in full: for these, a stored row of this
   * date and period that the parse no longer yields is removed. Rows of other groups are kept
   * (a call that failed never deletes what an earlier answer stored). Absent: every group.
   */
  readonly answered?: readonly ScoreGroup[];
}
