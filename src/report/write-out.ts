/**
 * Where a report goes: `--out FILE` (written to a temporary file beside it, then renamed, so a
 * failed run never leaves half a file), else stdout — refused for a binary format when stdout
 * is a terminal (exit 2 naming `--out`).
 */
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.js';

/** Errors that mean the path given is not a writable file name (bad input, exit 2). */
const PATH_ERRORS = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'EISDIR',
  'ENOTDIR',
  'EROFS',
  'ENAMETOOLONG',
  'ELOOP',
  'EINVAL',
]);

export async function writeReport(
  body: Buffer | string,
  opts: { out?: string; binary: boolean; stdout?: NodeJS.WriteStream },
): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  if (opts.out === undefined || opts.out === '-') {
    if (opts.binary && stdout.isTTY) {
      throw new InputError(
        '--out',
        'this format is a binary file; give --out FILE or redirect stdout to a file',
      );
    }
    await new Promise<void>((resolve, reject) => {
      stdout.write(body, (e) => (e ? reject(e) : resolve()));
    });
    return;
  }
  const tmp = join(dirname(opts.out), `.${basename(opts.out)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, body);
    await rename(tmp, opts.out);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && PATH_ERRORS.has(code)) {
      throw new InputError('--out', `cannot write ${opts.out} (${code}); give a writable file path`);
    }
    throw e;
  }
}
