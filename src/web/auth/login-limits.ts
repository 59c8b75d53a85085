import { createHmac } from 'node:crypto';

/**
 * Log-ins counted per key in fixed windows, in this process's memory (as the per-address limit of
 * @fastify/rate-limit is): enough to stop one account being logged into over and over, whichever
 * addresses the attempts come from. Keys are HMACs, so no fiscal code is kept in clear.
 */
export function createLoginCounter({ limit, windowMs, secret }: { limit: number; windowMs: number; secret: string }) {
  const windows = new Map<string, { startedAt: number; count: number }>();
  let lastSweep = 0;
  const keyOf = (value: string) => createHmac('sha256', secret).update(value).digest('base64url');
  return {
    /** Counts one log-in of `account` at `now`; false when it is beyond the window's limit. */
    allow(account: string, now = Date.now()): boolean {
      if (now - lastSweep > windowMs) {
        for (const [key, window] of windows) if (now - window.startedAt >= windowMs) windows.delete(key);
        lastSweep = now;
      }
      const key = keyOf(account);
      const window = windows.get(key);
      if (!window || now - window.startedAt >= windowMs) {
        windows.set(key, { startedAt: now, count: 1 });
        return true;
      }
      window.count++;
      return window.count <= limit;
    },
  };
}
