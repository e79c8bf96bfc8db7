/** What the routes of the simulated GitLab work with: the store and the services over it. */
import type { AccessTokens } from './access-tokens.js';
import type { Ci } from './ci.js';
import type { Clock } from './clock.js';
import { invalidParams } from './errors.js';
import type { Store } from './model.js';
import type { PresenterContext } from './presenters.js';
import type { SimRequest } from './router.js';
import type { Runners } from './runners.js';

export interface SimServices {
  readonly store: Store;
  readonly clock: Clock;
  readonly tokens: AccessTokens;
  readonly runners: Runners;
  readonly ci: Ci;
  readonly version: { readonly version: string; readonly revision: string };
}

export function presenterContext(services: SimServices, request: SimRequest): PresenterContext {
  return {
    store: services.store,
    runners: services.runners,
    clock: services.clock,
    baseUrl: request.baseUrl,
  };
}

/** An Integer path parameter (`requires :id, type: Integer`): `{"error": "id is invalid"}` otherwise. */
export function integerPathParam(request: SimRequest, name: string): number {
  const text = request.pathParams[name] ?? '';
  if (!/^\d+$/.test(text)) throw invalidParams([`${name} is invalid`]);
  return Number(text);
}
