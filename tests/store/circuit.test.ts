import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeCircuit,
  getCircuit,
  listCircuitEvents,
  openCircuit,
  portalHost,
} from '../../src/store/circuit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('circuit store', () => {
  it('keys circuits by host', () => {
    expect(portalHost('https://dichvucong.gov.vn')).toBe('dichvucong.gov.vn');
    expect(portalHost('http://127.0.0.1:4321/x')).toBe('127.0.0.1:4321');
  });

  it('opens, stays open on a second block, closes once, and logs every change', async () => {
    const host = 'portal.test';
    expect((await getCircuit(db.pool, host)).state).toBe('closed');
    const first = await openCircuit(db.pool, host, { reason: 'http-403: refused', supportId: '1234' });
    expect(first).toMatchObject({ state: 'open', supportId: '1234' });
    const second = await openCircuit(db.pool, host, { reason: 'http-429: slow down' });
    expect(second.openedAt?.getTime()).toBe(first.openedAt?.getTime());
    expect(second.reason).toBe('http-429: slow down');
    const closed = await closeCircuit(db.pool, host, { reason: 'block lifted', by: 'operator' });
    expect(closed.wasOpen).toBe(true);
    expect(closed.state).toMatchObject({
      state: 'closed',
      closedBy: 'operator',
      closeReason: 'block lifted',
    });
    expect((await closeCircuit(db.pool, host, { reason: 'again', by: 'operator' })).wasOpen).toBe(false);
    const events = await listCircuitEvents(db.pool, host);
    expect(events.map((e) => e.action)).toEqual(['close', 'open', 'open']);
    expect(events[2]?.supportId).toBe('1234');
    expect((await getCircuit(db.pool, 'other.host')).state).toBe('closed');
  });
});
