import { CreatedEnrollmentToken, EnrollmentToken } from '@paddock/contracts';

let sequence = 0;

/** A valid `EnrollmentToken` (checked against the contract) with overrides. */
export function anEnrollmentToken(overrides: Partial<EnrollmentToken> = {}): EnrollmentToken {
  sequence += 1;
  return EnrollmentToken.parse({
    id: `0190f1a2-0000-7000-8000-${String(sequence).padStart(12, '0')}`,
    name: `token-${sequence}`,
    maxUses: 1,
    uses: 0,
    labels: {},
    expiresAt: new Date(Date.now() + 24 * 3600_000).toISOString(),
    revokedAt: null,
    createdAt: '2025-01-01T10:00:00.000Z',
    active: true,
    ...overrides,
  });
}

export function aCreatedEnrollmentToken(
  overrides: Partial<CreatedEnrollmentToken> = {},
): CreatedEnrollmentToken {
  return CreatedEnrollmentToken.parse({
    ...anEnrollmentToken(),
    token: 'pde_0123456789abcdefghijklmnop',
    ...overrides,
  });
}
