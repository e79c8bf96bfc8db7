/**
 * How a suggested limit for one machine becomes a proposal in the runner's limit editor. In per-machine mode the
 * suggestion is this machine's override, so only this host changes; a fleet budget has no per-machine value, so
 * its total moves by the same difference and Paddock's split decides each host's share.
 */
import type { MachineRunnerLimit } from '@paddock/contracts';
import type { LimitValues } from '../runners/components/token-limit-editor';

export function prefillSuggestion(
  entry: MachineRunnerLimit,
  machineId: string,
): ((saved: LimitValues) => LimitValues) | undefined {
  const suggested = entry.suggestedLimit;
  if (suggested === null) return undefined;
  if (entry.limitMode === 'per_machine')
    return (saved) => ({ ...saved, overrides: { ...saved.overrides, [machineId]: String(suggested) } });
  const total = Math.max(1, entry.limitValue + suggested - (entry.effectiveLimit ?? 0));
  return (saved) => ({ ...saved, limit: String(total) });
}
