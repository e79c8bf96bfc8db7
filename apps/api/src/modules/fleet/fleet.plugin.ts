/**
 * The fleet sampler for the whole app: `app.fleetSampler.sampleNow()` takes one sample (tests call it directly),
 * and a timer takes one every `intervalMs` (60 s unless told; 0 turns the timer off) once the app is ready,
 * stopped with the app (waiting for the pass under way). The pause is measured from the end of a pass, so a slow
 * database stretches the period instead of piling passes up.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jobsRepository } from '../jobs/jobs.repository.js';
import { fleetRepository } from './fleet.repository.js';
import { FLEET_SAMPLE_INTERVAL_MS, fleetSampler, type FleetSampler } from './fleet-sampler.js';

declare module 'fastify' {
  interface FastifyInstance {
    fleetSampler: FleetSampler;
  }
}

export default fp(
  async function fleetSamplerPlugin(app: FastifyInstance, opts: { intervalMs?: number }) {
    const intervalMs = opts.intervalMs ?? FLEET_SAMPLE_INTERVAL_MS;
    const log = app.log.child({ module: 'fleet-sampler' });
    const inner = fleetSampler({
      repo: fleetRepository(app.db.prisma),
      jobs: jobsRepository(app.db.prisma),
      pool: app.db.pool,
    });
    // Browsers showing trends hear of each new minute, on every replica, instead of polling for it.
    const sampler: FleetSampler = {
      async sampleNow(now) {
        const result = await inner.sampleNow(now);
        if (result.written) await app.events.publish({ topic: 'fleet.sampled', at: result.at.toISOString() });
        return result;
      },
    };
    app.decorate('fleetSampler', sampler);
    if (intervalMs <= 0) return;

    let timer: NodeJS.Timeout | undefined;
    let current: Promise<unknown> | undefined;
    let stopped = false;
    const schedule = (delayMs: number) => {
      timer = setTimeout(() => {
        current = sampler
          .sampleNow()
          .catch((err: unknown) => log.error({ err }, 'fleet sample failed'))
          .finally(() => {
            current = undefined;
            if (!stopped) schedule(intervalMs);
          });
      }, delayMs);
      // Sampling alone never keeps the process up.
      timer.unref();
    };
    app.addHook('onReady', async () => schedule(0));
    app.addHook('onClose', async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    });
  },
  { name: 'fleet-sampler', dependencies: ['db'] },
);
