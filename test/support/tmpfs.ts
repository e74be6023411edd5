/**
 * A real tmpfs mounted for one test (needs root, or CAP_SYS_ADMIN): a disk that really fills up
 * (ENOSPC) or is really read-only (EROFS), under code that must survive both.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, fstatSync, mkdtempSync, openSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Writes a filler file until the filesystem answers ENOSPC. */
  fill(): void;
  /** Shrinks the filler by `bytes` (a whole number of 4 KiB pages), or removes it. */
  free(bytes?: number): void;
  remount(mode: 'ro' | 'rw'): void;
  unmount(): void;
}

const PAGE = 4096;

/** Mounts a tmpfs of `sizeBytes` on a fresh directory. */
export function mountTmpfs(sizeBytes: number, mode: 'ro' | 'rw' = 'rw'): Tmpfs {
  const dir = mkdtempSync(path.join(tmpdir(), 'panoptes-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755,${mode}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmdirSync(dir);
    throw error;
  }
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(PAGE, 0x66);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
    },
    free(bytes?: number) {
      if (bytes === undefined) return unlinkSync(filler);
      const fd = openSync(filler, 'r+');
      try {
        ftruncateSync(fd, Math.max(0, fstatSync(fd).size - bytes));
      } finally {
        closeSync(fd);
      }
    },
    remount(next) {
      execFileSync('mount', ['-o', `remount,${next}`, dir], { stdio: 'pipe' });
    },
    unmount() {
      // Lazy: a file the code under test still holds open (a failed test) must not keep the mount alive.
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmdirSync(dir);
    },
  };
}

/** Why a tmpfs cannot be mounted here (the tests that need one are skipped with it), or null. */
export function tmpfsUnavailable(): string | null {
  try {
    mountTmpfs(PAGE * 16).unmount();
    return null;
  } catch (error) {
    return `mount -t tmpfs is not permitted here (${(error as Error).message.split('\n')[0]}); run the tests as root`;
  }
}
