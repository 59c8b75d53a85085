import type { FastifyBaseLogger } from 'fastify';
import type { Services } from '../domain/services';

const FREEZE_INTERVAL_MS = 60_000;

/**
 * Scheduled work of a serving process: every minute, freeze the days whose cut-off has passed. With
 * several processes or instances each one ticks; the freeze itself makes sure each day is done once.
 */
export function startJobs(services: Services, log: FastifyBaseLogger): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const frozen = await services.freeze.freezeDueDays();
      if (frozen.length) log.info({ days: frozen.length, last: frozen.at(-1) }, 'days frozen');
    } catch (error) {
      log.error({ err: error }, 'daily freeze failed; it will be retried');
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), FREEZE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
