/**
 * The group and project routes the jobs view needs (doc/api/groups.md "List projects", doc/api/protected_branches.md,
 * doc/api/protected_tags.md): a group's projects (a simulated group has no subgroups, so `include_subgroups` changes
 * nothing), and a project's protected branches and tags. The simulator keeps one list of protected ref patterns per
 * project and applies it to branches and tags alike, so both lists hold it.
 */
import { notFound } from '../errors.js';
import type { Project } from '../model.js';
import { paginate } from '../pagination.js';
import { ParamReader } from '../params.js';
import { projectIdentity } from '../presenters.js';
import type { Router, SimRequest } from '../router.js';
import { integerPathParam, presenterContext, type SimServices } from '../services.js';

export function registerRestProjectRoutes(router: Router, services: SimServices): void {
  const { tokens, store } = services;

  router.add('GET', '/groups/:id/projects', (request) => {
    const { user } = tokens.authenticate(request);
    const group = store.groups.get(integerPathParam(request, 'id'));
    // Groups are private to the administrator: to anyone else they do not exist.
    if (!group || !user.admin) throw notFound('Group');
    const p = new ParamReader(request.params);
    p.boolean('include_subgroups');
    p.boolean('with_shared');
    const simple = p.boolean('simple') ?? false;
    p.done();
    const projects = [...store.projects.values()]
      .filter((project) => project.groupId === group.id)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id);
    const page = paginate(request, projects);
    const ctx = presenterContext(services, request);
    const present = (project: Project) => {
      const identity = projectIdentity(ctx, project);
      const webUrl = `${ctx.baseUrl}/${String(identity.path_with_namespace)}`;
      return simple
        ? { ...identity, default_branch: project.defaultBranch, web_url: webUrl }
        : {
            ...identity,
            default_branch: project.defaultBranch,
            web_url: webUrl,
            visibility: 'private',
            shared_runners_enabled: project.sharedRunnersEnabled,
            namespace: {
              id: group.id,
              name: group.name,
              path: group.path,
              kind: 'group',
              full_path: group.path,
            },
          };
    };
    return { status: 200, headers: page.headers, json: page.items.map(present) };
  });

  for (const kind of ['branches', 'tags'] as const) {
    router.add('GET', `/projects/:id/protected_${kind}`, (request) => {
      const { user } = tokens.authenticate(request);
      const project = findProject(services, request, user.admin);
      const page = paginate(request, project.protectedRefs);
      const json = page.items.map((name, i) =>
        kind === 'branches'
          ? {
              id: i + 1,
              name,
              push_access_levels: [{ access_level: 40, access_level_description: 'Maintainers' }],
              merge_access_levels: [{ access_level: 40, access_level_description: 'Maintainers' }],
              allow_force_push: false,
              code_owner_approval_required: false,
            }
          : {
              name,
              create_access_levels: [{ access_level: 40, access_level_description: 'Maintainers' }],
            },
      );
      return { status: 200, headers: page.headers, json };
    });
  }
}

function findProject(services: SimServices, request: SimRequest, admin: boolean): Project {
  const project = services.store.project(integerPathParam(request, 'id'));
  if (!project || !admin) throw notFound('Project');
  return project;
}
