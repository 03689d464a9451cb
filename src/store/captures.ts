/**
 * Raw portal answers, one row per (run, call, period, page). Stored before anything parses
 * them, so a network failure never loses a parse and a parser fix can re-ingest without
 * asking the portal again. A retried collect overwrites its own rows.
 */
import { createHash } from 'node:crypto';
import type { RawResponse } from '../source/portal-types.js';
import type { Queryable } from './db.js';

export interface StoredCapture {
  readonly id: string;
  readonly runId: string;
  /** The call name (`national`, `service-results`, `transparency`, …). */
  readonly endpoint: string;
  readonly periodKey: string;
  readonly page: number;
  readonly url: string;
  readonly requestBody: Record<string, unknown>;
  readonly httpStatus: number | null;
  readonly contentType: string | null;
  readonly body: Buffer | null;
  readonly sha256: string | null;
  readonly durationMs: number | null;
  readonly capturedAt: Date;
  readonly errorClass: string | null;
  readonly errorMessage: string | null;
  readonly sourceUnchanged: boolean;
}

export function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Store one answer. `source_unchanged` is true when the same call, period and page of the
 * province's previous report date had the same SHA-256 (the portal has not recomputed).
 */
export async function upsertCapture(
  db: Queryable,
  runId: string,
  raw: RawResponse,
  error: { errorClass: string; message: string } | null = null,
): Promise<{ id: string; sha256: string; sourceUnchanged: boolean }> {
  const sha = sha256Hex(raw.body);
  const res = await db.query<{ id: string; source_unchanged: boolean }>(
    `insert into captures (run_id, endpoint, period_key, page, url, request_body, http_status, content_type,
        body, sha256, duration_ms, captured_at, error_class, error_message, source_unchanged)
     select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
       coalesce((select prev.sha256 = $10
                 from runs me
                 join runs pr on pr.province_code = me.province_code and pr.report_date = me.report_date - 1
                 join captures prev on prev.run_id = pr.id
                 where me.id = $1 and prev.endpoint = $2 and prev.period_key = $3 and prev.page = $4), false)
     on conflict (run_id, endpoint, period_key, page) do update set
       url = excluded.url, request_body = excluded.request_body, http_status = excluded.http_status,
       content_type = excluded.content_type, body = excluded.body, sha256 = excluded.sha256,
       duration_ms = excluded.duration_ms, captured_at = excluded.captured_at,
       error_class = excluded.error_class, error_message = excluded.error_message,
       source_unchanged = excluded.source_unchanged
     returning id::text as id, source_unchanged`,
    [
      runId,
      raw.call,
      raw.periodKey,
      raw.page,
      raw.url,
      JSON.stringify(raw.requestBody),
      raw.status,
      raw.contentType,
      raw.body,
      sha,
      Math.round(raw.durationMs),
      raw.capturedAt,
      error?.errorClass ?? null,
      error?.message.slice(0, 2000).replace(/\u0000/g, '\\x00') ?? null,
    ],
  );
  const row = res.rows[0];
  if (!row) throw new Error(`capture of run ${runId} ${raw.call} ${raw.periodKey} was not stored`);
  return { id: row.id, sha256: sha, sourceUnchanged: row.source_unchanged };
}

interface CaptureRow {
  id: string;
  run_id: string;
  endpoint: string;
  period_key: string;
  page: number;
  url: string;
  request_body: Record<string, unknown>;
  http_status: number | null;
  content_type: string | null;
  body: Buffer | null;
  sha256: string | null;
  duration_ms: number | null;
  captured_at: Date;
  error_class: string | null;
  error_message: string | null;
  source_unchanged: boolean;
}

/** Every capture of a run, ordered by period, call and page. */
export async function loadCaptures(db: Queryable, runId: string): Promise<StoredCapture[]> {
  const res = await db.query<CaptureRow>(
    `select id::text as id, run_id::text as run_id, endpoint, period_key, page, url, request_body, http_status,
       content_type, body, sha256, duration_ms, captured_at, error_class, error_message, source_unchanged
     from captures where run_id = $1 order by period_key, endpoint, page`,
    [runId],
  );
  return res.rows.map((r) => ({
    id: r.id,
    runId: r.run_id,
    endpoint: r.endpoint,
    periodKey: r.period_key,
    page: r.page,
    url: r.url,
    requestBody: r.request_body,
    httpStatus: r.http_status,
    contentType: r.content_type,
    body: r.body,
    sha256: r.sha256,
    durationMs: r.duration_ms,
    capturedAt: r.captured_at,
    errorClass: r.error_class,
    errorMessage: r.error_message,
    sourceUnchanged: r.source_unchanged,
  }));
}

/** A stored capture as the portal client handed it over (what parsers and assemble take). */
export function toRawResponse(c: StoredCapture): RawResponse {
  return {
    call: c.endpoint as RawResponse['call'],
    periodKey: c.periodKey,
    page: c.page,
    url: c.url,
    requestBody: c.requestBody,
    status: c.httpStatus ?? 0,
    contentType: c.contentType,
    body: c.body ?? Buffer.alloc(0),
    durationMs: c.durationMs ?? 0,
    capturedAt: c.capturedAt,
  };
}
