/**
 * The real portal answers, kept byte-for-byte in `tests/fixtures/portal-recordings/` (copied from
 * the shared recordings; see its PROVENANCE.md; never edit them),
 * for every test that needs a real body.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Absolute path of the recordings folder. */
export const RECORDINGS_DIR = path.resolve(REPO_ROOT, 'tests/fixtures/portal-recordings');

/** The bytes of one recording, by its path relative to {@link RECORDINGS_DIR}. */
export function readRecording(relPath: string): Buffer {
  return readFileSync(path.join(RECORDINGS_DIR, relPath));
}

/** Ids of provinces that appear in the recordings (PORTAL_API.md §10). */
export const PHU_THO_ID = '019d2be3-6a88-732b-8b17-b68020c8553a';
export const GIA_LAI_ID = '019d2be3-6a85-74ec-a346-6489e82ae4c7';
export const DIEN_BIEN_ID = '019d2be3-6a85-74ec-a341-16615c474af4';
