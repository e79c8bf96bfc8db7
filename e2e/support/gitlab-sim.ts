/** The GitLab simulator the browser tests connect Paddock to (started by playwright.config.ts). */
export const GITLAB_SIM_PORT = Number(process.env.E2E_GITLAB_PORT ?? 3392);
/** Its administrator's access token, fixed so the tests can type it into the form. */
export const GITLAB_SIM_TOKEN = 'glpat-E2eSecretValue7788';
export const GITLAB_SIM_URL = `http://127.0.0.1:${GITLAB_SIM_PORT}`;
