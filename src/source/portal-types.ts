/**
 * The portal client's contract, shared by the collect stage, the probe and the benches.
 * Implementations: `browser` (Playwright/Chromium, fetch from inside the evaluation page) and
 * `direct` (plain HTTP).
 */
import type { CallName, PlannedCall } from './requests.js';

/** One HTTP answer, exactly as received. */
export interface RawResponse {
  readonly call: CallName;
  readonly periodKey: string;
  readonly page: number;
  readonly url: string;
  readonly requestBody: Readonly<Record<string, unknown>>;
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Buffer;
  readonly durationMs: number;
  readonly capturedAt: Date;
}

/** One run's conversation with the portal (a fresh browser context for `browser`). */
export interface PortalSession {
  /**
   * Issue one call, politely (one in flight, minimum gap with jitter). Resolves with any HTTP
   * answer, whatever its status; rejects with PortalUnavailableError when no answer came
   * (timeout, dropped connection) and PortalBlockedError when the page itself was refused.
   */
  call(planned: PlannedCall): Promise<RawResponse>;
  /** Requests sent in this session, the page load included. */
  readonly requestCount: number;
  /** Always safe to call, also after errors; idempotent. */
  close(): Promise<void>;
}

export interface PortalClient {
  readonly transport: 'browser' | 'direct';
  openSession(): Promise<PortalSession>;
  /** Closes the browser (if any). Idempotent. */
  close(): Promise<void>;
}
