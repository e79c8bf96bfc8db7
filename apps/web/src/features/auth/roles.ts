/**
 * What a role may see in the web app. The API enforces every rule on its own; the app only hides what a person
 * cannot use, so nobody is offered a page that answers 403.
 */
import { ROLE_RANK } from '@paddock/contracts';
import type { Role } from '@paddock/contracts';

export const ROLE_LABELS: Record<Role, string> = {
  viewer: 'Viewer',
  operator: 'Operator',
  admin: 'Admin',
};

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: 'reads the fleet, runners and jobs',
  operator:
    'also changes limits and assignments, drains, rotates, registers, rolls back and reads the audit log',
  admin: 'also manages people, GitLab connections, enrollment, display tokens and agent credentials',
};

/** True when `role` is `needed` or a role above it. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[needed];
}
