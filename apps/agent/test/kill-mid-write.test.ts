/**
 * The agent killed with SIGKILL while it writes config.toml, as a real process over a real directory: a sample
 * of the fault scenario `npm run faults` runs a thousand times (e2e/faults/agent-kill.fault.test.ts). After every
 * kill config.toml is the old or the new text, whole; the next start removes what the killed process left.
 */
import { describe, expect, it } from 'vitest';
import { runKillCampaign, type KillCampaignResult } from './support/kill-harness.js';

function expectHeldUp(result: KillCampaignResult, kills: number) {
  expect(result.violations).toEqual([]);
  expect(result.kills).toBe(kills);
  // Every temporary file a kill left was removed by the next start (the harness starts once more at the end).
  expect(result.tempFilesRemovedAtStart).toBeGreaterThanOrEqual(result.killsLeavingTempFiles);
}

describe('agent killed in the middle of writing config.toml', () => {
  it('leaves the old or the new file, never a part of one', { timeout: 120_000 }, async () => {
    const result = await runKillCampaign({ kills: 30, lanes: 2 });
    expectHeldUp(result, 30);
    // Kills are spread over the write sequence: some land before the rename, and the file is the old one.
    expect(result.landings.beforeRename).toBeGreaterThan(0);
  });

  it('also when the kill lands while a temporary file is half written', { timeout: 120_000 }, async () => {
    const result = await runKillCampaign({ kills: 10, lanes: 2, trickle: { chunk: 512, pauseMs: 1 } });
    expectHeldUp(result, 10);
    expect(result.killsLeavingTempFiles).toBeGreaterThan(0);
  });
});
