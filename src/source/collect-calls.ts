/**
 * One run's conversation: issue the planned calls in order, hand every answer to the caller
 * before deciding anything about it (so the pipeline stores every capture first), classify
 * it, follow proven extra pages of component endpoints, and decide what a failure means:
 * blocked → stop now; unavailable → stop, the queue retries the run later; a format error on
 * one call → note it and carry on with the others. No retries here.
 */
import { parsePeriodKey } from '../domain.js';
import { PortalBlockedError, type PortalFormatError, PortalUnavailableError } from '../errors.js';
import { classifyResponse } from './classify.js';
import type { PortalSession, RawResponse } from './portal-types.js';
import { type PlannedCall, planCall } from './requests.js';

export interface CallFailure {
  readonly call: PlannedCall;
  readonly periodKey: string;
  readonly error: Error;
}

export interface CollectedCalls {
  /** Every answer received, in order (failed ones included). */
  readonly responses: RawResponse[];
  /** Calls whose answer was unusable (format errors); the others went on. */
  readonly failures: CallFailure[];
}

/** Hard stop for paging, far above the portal's one page of ~160 units. */
const MAX_PAGES = 20;

/** The next page a component answer proves exists, or null. */
export function nextPageOf(planned: PlannedCall, body: Buffer): PlannedCall | null {
  if (planned.call === 'national' || planned.call === 'service-results') return null;
  let data: unknown;
  try {
    data = (JSON.parse(body.toString('utf8')) as { data?: unknown }).data;
  } catch {
    return null;
  }
  const pagination = (data as { pagination?: unknown } | null)?.pagination as
    | { totalPages?: unknown; currentPage?: unknown }
    | null
    | undefined;
  if (!pagination || typeof pagination.totalPages !== 'number') return null;
  const current = typeof pagination.currentPage === 'number' ? pagination.currentPage : planned.page;
  if (!(pagination.totalPages > current) || current + 1 > MAX_PAGES) return null;
  const period = parsePeriodKey(planned.periodKey);
  const provinceId = planned.body.rootDepartmentId;
  if (!period || typeof provinceId !== 'string') return null;
  return planCall(planned.call, provinceId, period, current + 1);
}

/**
 * Issue `plan` through `session`, in order. `onCapture(raw, error)` runs for every answer,
 * before anything else happens with it (`error` is its classification, null when usable).
 * Throws {@link PortalBlockedError} at once (never retried) and
 * {@link PortalUnavailableError} (the run is retried later); records
 * {@link PortalFormatError}s in `failures` and continues.
 */
export async function collectCalls(
  session: PortalSession,
  plan: readonly PlannedCall[],
  onCapture: (raw: RawResponse, error: Error | null) => Promise<void>,
): Promise<CollectedCalls> {
  const responses: RawResponse[] = [];
  const failures: CallFailure[] = [];
  const queue = [...plan];
  while (queue.length > 0) {
    const planned = queue.shift()!;
    const raw = await session.call(planned);
    responses.push(raw);
    const error = classifyResponse(planned, raw);
    await onCapture(raw, error);
    if (error instanceof PortalBlockedError || error instanceof PortalUnavailableError) throw error;
    if (error) {
      failures.push({ call: planned, periodKey: planned.periodKey, error });
      continue;
    }
    const next = nextPageOf(planned, raw.body);
    // The next page goes right after this one, before the other endpoints.
    if (next) queue.unshift(next);
  }
  return { responses, failures };
}
