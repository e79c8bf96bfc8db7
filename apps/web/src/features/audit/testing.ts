import { AuditEvent } from '@paddock/contracts';

let sequence = 0;

/** A valid `AuditEvent` (checked against the contract) with overrides. */
export function anAuditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  sequence += 1;
  return AuditEvent.parse({
    id: `0190f1a2-0000-7000-8000-${String(sequence).padStart(12, '0')}`,
    at: '2025-01-01T10:00:00.000Z',
    actorType: 'user',
    actorId: '0190f1a2-0000-7000-8000-0000000000ad',
    actorLabel: 'ada@example.com',
    sourceIp: '10.0.0.7',
    requestId: `req-${sequence}`,
    action: 'runner.update',
    targetType: 'runner',
    targetId: '0190f1a2-0000-7000-8000-00000000beef',
    before: null,
    after: null,
    ...overrides,
  });
}
