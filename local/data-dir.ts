/**
 * The local stack's data folder: private to its owner, one runtime at a time
 * (a pid file), and the instant its scaled clock counts from.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** A folder only its owner opens (0700): the data folder holds the API key, every lead and the outbox's live links. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** One runtime per data folder (LevelDB allows one opener): a pid file, stale after a crash or SIGKILL. */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'runtime.pid');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
      throw new Error(`another runtime (pid ${pid}) is using the data folder ${dataDir}; stop it or pick another folder with --data (if no runtime is running, delete ${file})`);
    }
  }
  writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
    } catch {
      // already gone
    }
  };
}

/**
 * One clock under --time-scale: the engine runs every execution's time from
 * this one instant (EngineOptions.timeOrigin), and the scheduled events (the
 * reminder sweep) carry a time on that same clock, so deadlines, reminders and
 * timeouts agree. The instant is the data folder's first start, kept in the
 * folder: a restart keeps the timeline its waiting executions were dated on.
 */
export function executionTimeOrigin(dataDir: string): number {
  const file = join(dataDir, 'time-origin.json');
  if (existsSync(file)) {
    const kept = (JSON.parse(readFileSync(file, 'utf8')) as { originMs?: unknown }).originMs;
    if (typeof kept === 'number' && Number.isFinite(kept)) return kept;
  }
  const originMs = Date.now();
  writeFileSync(file, `${JSON.stringify({ originMs })}\n`, { mode: 0o600 });
  return originMs;
}
