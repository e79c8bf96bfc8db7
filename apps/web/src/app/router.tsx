/**
 * The route tree, written in code. Each page is loaded lazily so it becomes its own chunk; only the layout, the
 * search-param schemas and the shared UI ship in the entry bundle.
 */
import {
  createRootRoute,
  createRoute,
  createRouter,
  lazyRouteComponent,
  redirect,
} from '@tanstack/react-router';
import type { RouterHistory } from '@tanstack/react-router';
import { LoadingState } from '../components/ui/loading-state';
import { AuditSearch } from '../features/audit/audit-search';
import { LoginSearch, TokenLinkSearch } from '../features/auth/auth-search';
import { JobsSearch } from '../features/jobs/jobs-search';
import { MachinesSearch } from '../features/machines/machines-search';
import { RunnersSearch } from '../features/runners/runners-search';
import { WallSearch } from '../features/wall/wall-search';
import { parseSearchParams, stringifySearchParams } from '../lib/search-params';
import { RootLayout } from './layout';
import { NotFoundPage } from './not-found-page';
import { RouteErrorPage } from './route-error-page';

const rootRoute = createRootRoute({
  component: RootLayout,
  notFoundComponent: NotFoundPage,
});

const overviewRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  component: lazyRouteComponent(
    () => import('../features/overview/components/overview-page'),
    'OverviewPage',
  ),
});

const machinesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'machines',
  validateSearch: MachinesSearch,
  component: lazyRouteComponent(
    () => import('../features/machines/components/machines-page'),
    'MachinesPage',
  ),
});

const machineRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'machines/$id',
  component: lazyRouteComponent(
    () => import('../features/machines/components/machine-detail-page'),
    'MachineDetailPage',
  ),
});

const runnersRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'runners',
  validateSearch: RunnersSearch,
  component: lazyRouteComponent(() => import('../features/runners/components/runners-page'), 'RunnersPage'),
});

const registerRunnerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'runners/new',
  component: lazyRouteComponent(
    () => import('../features/runners/components/register-runner-page'),
    'RegisterRunnerPage',
  ),
});

const runnerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'runners/$id',
  component: lazyRouteComponent(
    () => import('../features/runners/components/runner-detail-page'),
    'RunnerDetailPage',
  ),
});

const jobsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'jobs',
  validateSearch: JobsSearch,
  component: lazyRouteComponent(() => import('../features/jobs/components/jobs-page'), 'JobsPage'),
});

const jobTraceRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'jobs/$jobId',
  component: lazyRouteComponent(() => import('../features/jobs/components/job-trace-page'), 'JobTracePage'),
});

const gitlabRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'gitlab',
  component: lazyRouteComponent(() => import('../features/gitlab/components/gitlab-page'), 'GitlabPage'),
});

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'login',
  validateSearch: LoginSearch,
  component: lazyRouteComponent(() => import('../features/auth/components/login-page'), 'LoginPage'),
});

const setupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'setup',
  validateSearch: TokenLinkSearch,
  component: lazyRouteComponent(() => import('../features/auth/components/setup-page'), 'SetupPage'),
});

const inviteRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'invite',
  validateSearch: TokenLinkSearch,
  component: lazyRouteComponent(() => import('../features/auth/components/invite-page'), 'InvitePage'),
});

const settingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'settings',
  component: lazyRouteComponent(
    () => import('../features/settings/components/settings-layout'),
    'SettingsLayout',
  ),
});

const settingsIndexRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/settings/account', replace: true });
  },
});

const accountRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'account',
  component: lazyRouteComponent(() => import('../features/auth/components/account-page'), 'AccountPage'),
});

const apiTokensRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'api-tokens',
  component: lazyRouteComponent(
    () => import('../features/api-tokens/components/api-tokens-page'),
    'ApiTokensPage',
  ),
});

const usersRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'users',
  component: lazyRouteComponent(() => import('../features/users/components/users-page'), 'UsersPage'),
});

const enrollmentTokensRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'enrollment-tokens',
  component: lazyRouteComponent(
    () => import('../features/enrollment/components/enrollment-tokens-page'),
    'EnrollmentTokensPage',
  ),
});

const displayTokensRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'display-tokens',
  component: lazyRouteComponent(
    () => import('../features/display-tokens/components/display-tokens-page'),
    'DisplayTokensPage',
  ),
});

const auditRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: 'audit',
  validateSearch: AuditSearch,
  component: lazyRouteComponent(() => import('../features/audit/components/audit-page'), 'AuditPage'),
});

const wallRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'wall',
  validateSearch: WallSearch,
  component: lazyRouteComponent(() => import('../features/wall/components/wall-page'), 'WallPage'),
});

export const routeTree = rootRoute.addChildren([
  loginRoute,
  setupRoute,
  inviteRoute,
  settingsRoute.addChildren([
    settingsIndexRoute,
    accountRoute,
    apiTokensRoute,
    usersRoute,
    enrollmentTokensRoute,
    displayTokensRoute,
    auditRoute,
  ]),
  overviewRoute,
  machinesRoute,
  machineRoute,
  runnersRoute,
  registerRunnerRoute,
  runnerRoute,
  jobsRoute,
  jobTraceRoute,
  gitlabRoute,
  wallRoute,
]);

export interface AppRouterOptions {
  /** Tests pass a memory history; the app uses the browser's. */
  history?: RouterHistory;
}

export function createAppRouter({ history }: AppRouterOptions = {}) {
  return createRouter({
    routeTree,
    history,
    // Fetch a page's chunk when the pointer rests on its link, so the click feels instant.
    defaultPreload: 'intent',
    defaultPendingComponent: () => <LoadingState label="Loading page…" />,
    defaultErrorComponent: RouteErrorPage,
    scrollRestoration: true,
    parseSearch: parseSearchParams,
    stringifySearch: stringifySearchParams,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
