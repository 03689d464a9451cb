/**
 * The persisted circuit breaker of a portal host. A 403, 429 or block page opens it; only an
 * operator closes it (`dvc-index circuit close`). Every change is written to circuit_events.
 */
import { type Pool, type Queryable, withTransaction } from './db.js';

export interface CircuitState {
  readonly host: string;
  readonly state: 'open' | 'closed';
  readonly openedAt: Date | null;
  readonly reason: string | null;
  readonly supportId: string | null;
  readonly closedAt: Date | null;
  readonly closedBy: string | null;
  readonly closeReason: string | null;
}

interface CircuitRow {
  host: string;
  state: 'open' | 'closed';
  opened_at: Date | null;
  reason: string | null;
  support_id: string | null;
  closed_at: Date | null;
  closed_by: string | null;
  close_reason: string | null;
}

function toState(r: CircuitRow): CircuitState {
  return {
    host: r.host,
    state: r.state,
    openedAt: r.opened_at,
    reason: r.reason,
    supportId: r.support_id,
    closedAt: r.closed_at,
    closedBy: r.closed_by,
    closeReason: r.close_reason,
  };
}

/** The host part of the portal URL, the circuit's key (`dichvucong.gov.vn`, `127.0.0.1:4321`). */
export function portalHost(portalBaseUrl: string): string {
  return new URL(portalBaseUrl).host;
}

/** The circuit of a host; a host never blocked is `closed` with no history. */
export async function getCircuit(db: Queryable, host: string): Promise<CircuitState> {
  const res = await db.query<CircuitRow>('select * from circuit where host = $1', [host]);
  const row = res.rows[0];
  if (row) return toState(row);
  return {
    host,
    state: 'closed',
    openedAt: null,
    reason: null,
    supportId: null,
    closedAt: null,
    closedBy: null,
    closeReason: null,
  };
}

/** Open the circuit (or note a further block while it is open; `opened_at` stays the first). */
export async function openCircuit(
  pool: Pool,
  host: string,
  opts: { reason: string; supportId?: string | null },
): Promise<CircuitState> {
  return withTransaction(pool, async (c) => {
    const res = await c.query<CircuitRow>(
      `insert into circuit (host, state, opened_at, reason, support_id)
       values ($1, 'open', now(), $2, $3)
       on conflict (host) do update set
         state = 'open',
         opened_at = case when circuit.state = 'open' then circuit.opened_at else now() end,
         reason = excluded.reason, support_id = excluded.support_id,
         closed_at = null, closed_by = null, close_reason = null
       returning *`,
      [host, opts.reason, opts.supportId ?? null],
    );
    await c.query(
      `insert into circuit_events (host, action, reason, support_id) values ($1, 'open', $2, $3)`,
      [host, opts.reason, opts.supportId ?? null],
    );
    return toState(res.rows[0] as CircuitRow);
  });
}

/** Close the circuit; returns whether it was open. Closing a closed circuit records nothing. */
export async function closeCircuit(
  pool: Pool,
  host: string,
  opts: { reason: string; by: string },
): Promise<{ wasOpen: boolean; state: CircuitState }> {
  return withTransaction(pool, async (c) => {
    const res = await c.query<CircuitRow>(
      `update circuit set state = 'closed', closed_at = now(), closed_by = $2, close_reason = $3
       where host = $1 and state = 'open' returning *`,
      [host, opts.by, opts.reason],
    );
    const row = res.rows[0];
    if (!row) return { wasOpen: false, state: await getCircuit(c, host) };
    await c.query(`insert into circuit_events (host, action, reason) values ($1, 'close', $2)`, [
      host,
      `${opts.reason} (by ${opts.by})`,
    ]);
    return { wasOpen: true, state: toState(row) };
  });
}

export interface CircuitEvent {
  readonly id: string;
  readonly host: string;
  readonly at: Date;
  readonly action: 'open' | 'close';
  readonly reason: string;
  readonly supportId: string | null;
}

/** The latest events of a host, newest first. */
export async function listCircuitEvents(db: Queryable, host: string, limit = 50): Promise<CircuitEvent[]> {
  const res = await db.query<{
    id: string;
    host: string;
    at: Date;
    action: 'open' | 'close';
    reason: string;
    support_id: string | null;
  }>(
    'select id::text as id, host, at, action, reason, support_id from circuit_events where host = $1 order by id desc limit $2',
    [host, limit],
  );
  return res.rows.map((r) => ({
    id: r.id,
    host: r.host,
    at: r.at,
    action: r.action,
    reason: r.reason,
    supportId: r.support_id,
  }));
}
