/**
 * Recordings mode: the index (`recordings-index.json`, kept in the project) maps a request
 * (path + body with keys sorted) to a recorded response file under the portal-recordings
 * folder; the server answers with that file byte for byte.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { canonicalBody } from './parse-request.js';
import index from './recordings-index.json' with { type: 'json' };

export interface RecordingEntry {
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
  /** Relative to the portal-recordings folder. */
  readonly file: string;
  readonly sha256: string;
  readonly evidence: string;
}

export const RECORDINGS_INDEX: readonly RecordingEntry[] = index.entries;
export const RECORDING_CONTENT_TYPE = index.contentType;

export interface RecordingStore {
  readonly dir: string;
  /** The recorded bytes for a request, or null when nothing was recorded for it. */
  find(urlPath: string, body: unknown): Promise<{ entry: RecordingEntry; bytes: Buffer } | null>;
}

/**
 * Open the recordings under `dir` (the `portal-recordings` folder). Throws InputError when no
 * indexed file is there — usually a wrong folder (pass the folder holding
 * `qd766-phutho-2026-09/`, not that folder itself).
 */
export function openRecordings(dir: string): RecordingStore {
  const root = path.resolve(dir);
  const present = RECORDINGS_INDEX.filter((e) => existsSync(path.join(root, e.file)));
  if (present.length === 0) {
    throw new InputError(
      '--recordings',
      `no indexed recording found under ${root}; pass the portal-recordings folder (the one holding qd766-phutho-2026-09/ and crawler766-*/)`,
    );
  }
  const byKey = new Map(present.map((e) => [`${e.path} ${canonicalBody(e.body)}`, e]));
  const cache = new Map<string, Buffer>();
  return {
    dir: root,
    async find(urlPath, body) {
      const entry = byKey.get(`${urlPath} ${canonicalBody(body)}`);
      if (!entry) return null;
      let bytes = cache.get(entry.file);
      if (!bytes) {
        bytes = await readFile(path.join(root, entry.file));
        cache.set(entry.file, bytes);
      }
      return { entry, bytes };
    },
  };
}
