import { User } from '@paddock/contracts';

let sequence = 0;

/** A valid `User` (checked against the contract) with overrides. */
export function aUser(overrides: Partial<User> = {}): User {
  sequence += 1;
  return User.parse({
    id: `0190f1a2-0000-7000-8000-${String(sequence).padStart(12, '0')}`,
    email: `person-${sequence}@example.com`,
    name: `Person ${sequence}`,
    role: 'viewer',
    disabled: false,
    hasPassword: true,
    lastLoginAt: '2025-01-01T10:00:00.000Z',
    createdAt: '2024-12-01T10:00:00.000Z',
    ...overrides,
  });
}
