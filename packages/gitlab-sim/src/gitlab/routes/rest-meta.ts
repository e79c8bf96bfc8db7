/** GET /version and GET /personal_access_tokens/self (doc/api/version.md, doc/api/personal_access_tokens.md). */
import { personalAccessToken } from '../presenters.js';
import type { Router } from '../router.js';
import type { SimServices } from '../services.js';

export function registerRestMetaRoutes(router: Router, services: SimServices): void {
  const { tokens, version } = services;

  router.add('GET', '/version', (request) => {
    tokens.authenticate(request);
    return {
      status: 200,
      json: {
        version: version.version,
        revision: version.revision,
        kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
        enterprise: false,
      },
    };
  });

  router.add('GET', '/personal_access_tokens/self', (request) => {
    const { accessToken } = tokens.authenticate(request, { anyScope: true });
    return { status: 200, json: personalAccessToken(accessToken, tokens.isActive(accessToken)) };
  });
}
