import { describe, expect, it } from 'vitest';
import type { Period } from '../../src/domain.js';
import { nextPageOf } from '../../src/source/collect-calls.js';
import { planCall } from '../../src/source/requests.js';
import { PHU_THO_ID, readRecording } from '../helpers/recordings.js';

const Q3: Period = { type: 'quarter', year: 2026, number: 3 };
const body = (data: unknown) => Buffer.from(JSON.stringify({ code: 'OK', data, message: 'OK' }));

describe('nextPageOf', () => {
  it('plans the next page of a component call when the answer proves there is one', () => {
    const first = planCall('handling-satisfaction', PHU_THO_ID, Q3);
    const next = nextPageOf(
      first,
      body({ pagination: { total: 300, currentPage: 1, pageSize: 200, totalPages: 2 } }),
    );
    expect(next).toEqual(planCall('handling-satisfaction', PHU_THO_ID, Q3, 2));
    expect(next!.body).toMatchObject({
      fromDate: '2026-07-01',
      toDate: '2026-09-30',
      currentPage: 2,
      pageSize: 200,
    });
    expect(next!.periodKey).toBe('2026-Q3');
  });

  it('stops at the last page, without pagination, and on the recorded one-page answers', () => {
    const first = planCall('transparency', PHU_THO_ID, Q3);
    const last = planCall('transparency', PHU_THO_ID, Q3, 2);
    expect(nextPageOf(last, body({ pagination: { currentPage: 2, totalPages: 2 } }))).toBeNull();
    expect(nextPageOf(first, body({ parent: {}, children: [] }))).toBeNull();
    expect(nextPageOf(first, body({ pagination: { currentPage: 1, totalPages: '2' } }))).toBeNull();
    expect(nextPageOf(first, Buffer.from('not json'))).toBeNull();
    expect(nextPageOf(first, readRecording('qd766-phutho-2026-09/transparency/year-all.json'))).toBeNull();
  });

  it('never pages the service-results calls, and caps runaway paging', () => {
    const national = planCall('national', PHU_THO_ID, Q3);
    expect(nextPageOf(national, body({ pagination: { currentPage: 1, totalPages: 5 } }))).toBeNull();
    const deep = planCall('dossier-digitized', PHU_THO_ID, Q3, 20);
    expect(nextPageOf(deep, body({ pagination: { currentPage: 20, totalPages: 9999 } }))).toBeNull();
  });
});
