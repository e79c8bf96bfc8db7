/**
 * Issue 8, point 2: "kill -9 the agent at random points of a write, 1,000 times → config.toml is always the old or
 * the new file, never partial". The agent's real config store runs in a process of its own that applies a 1 KB
 * and a 40 KB config.toml in turn; it is killed with SIGKILL a random time into the write sequence, a thousand
 * times, then two hundred more with every file written a few bytes at a time (so kills land mid-write). After
 * every kill the file is checked, and after every start the directory (apps/agent/test/support/kill-harness.ts).
 * A sample of the same runs in the agent's normal tests.
 */
import { describe, expect, it } from 'vitest';
import { runKillCampaign, type KillCampaignResult } from '../../apps/agent/test/support/kill-harness.js';

function report(name: string, r: KillCampaignResult) {
  const steps = Object.entries(r.lastStep)
    .sort((a, b) => b[1] - a[1])
    .map(([step, n]) => `    ${String(n).padStart(4)}  ${step}`)
    .join('\n');
  console.log(
    `${name}: ${r.kills} kills in ${(r.ms / 1000).toFixed(0)} s; write sequence ${r.applyMedianMs.toFixed(0)} ms ` +
      `(kills spread over ${r.killWindowMs.toFixed(0)} ms after its first step)\n` +
      `  before the rename (old file): ${r.landings.beforeRename}, after it (new file): ` +
      `${r.landings.afterRename}, between applies: ${r.landings.betweenApplies}\n` +
      `  kills leaving temporary files: ${r.killsLeavingTempFiles}, removed by the next start: ` +
      `${r.tempFilesRemovedAtStart}\n  last filesystem call started before the kill:\n${steps}`,
  );
}

describe('agent killed with SIGKILL while writing config.toml', () => {
  it('1,000 kills: config.toml is always the old or the new file', async () => {
    const result = await runKillCampaign({ kills: 1000, lanes: 2 });
    report('at random points', result);
    expect(result.violations).toEqual([]);
    expect(result.kills).toBe(1000);
    expect(result.landings.beforeRename).toBeGreaterThan(0);
    expect(result.landings.afterRename).toBeGreaterThan(0);
    expect(result.tempFilesRemovedAtStart).toBeGreaterThanOrEqual(result.killsLeavingTempFiles);
  });

  it('200 kills while the temporary file is half written', async () => {
    const result = await runKillCampaign({ kills: 200, lanes: 2, trickle: { chunk: 512, pauseMs: 1 } });
    report('mid-write', result);
    expect(result.violations).toEqual([]);
    expect(result.kills).toBe(200);
    expect(result.killsLeavingTempFiles).toBeGreaterThan(0);
    expect(result.tempFilesRemovedAtStart).toBeGreaterThanOrEqual(result.killsLeavingTempFiles);
  });
});
