/**
 * The kiosk wall screen, `/wall?display=pdw_…`: dark, large type, nothing to click. It reads the summary over REST
 * at start and after every reconnect, then follows the pushed summaries of its `wall` topic; while the socket is
 * down it says since when the figures are stale, polls, and reconnects by itself (an API restart needs no reload).
 */
import type { WallFilter, WallSummary } from '@paddock/contracts';
import { getRouteApi } from '@tanstack/react-router';
import { useMemo } from 'react';
import { isApiError } from '../../../lib/api-client';
import type { LiveSocketConstructor } from '../../../lib/live/live-connection';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useWallSummary } from '../api/get-wall-summary';
import { useWallLive } from '../wall-live';
import { wallFilterOf } from '../wall-search';
import { HeatGrid } from './heat-grid';
import '../wall.css';

/** how often the summary is read while the live socket is down */
const POLL_WHILE_OFFLINE_MS = 15_000;
const TAG_SETS_SHOWN = 8;

const routeApi = getRouteApi('/wall');

export function WallPage() {
  const search = routeApi.useSearch();
  const filter = useMemo(() => wallFilterOf(search), [search]);
  return <WallScreen display={search.display} filter={filter} />;
}

/** "09:05:07", local time on a 24-hour clock. */
export function formatTime(epochMs: number): string {
  const t = new Date(epochMs);
  return [t.getHours(), t.getMinutes(), t.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** "45 s", "12 min", "3 h 05 min". */
export function formatWait(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`;
}

function filterTitle(filter: WallFilter): string {
  if (filter.tags) return `Tag set ${filter.tags.join(', ')}`;
  if (filter.label) return `Machines labelled ${filter.label}`;
  return 'Whole fleet';
}

export interface WallScreenProps {
  display: string | undefined;
  filter: WallFilter;
  /** the socket class for `/live`; the browser's unless a test passes a fake one */
  webSocket?: LiveSocketConstructor;
}

export function WallScreen({ display, filter, webSocket }: WallScreenProps) {
  const live = useWallLive(display, filter, webSocket);
  const summary = useWallSummary(display, filter, live.status === 'live' ? false : POLL_WHILE_OFFLINE_MS);
  const title = filterTitle(filter);
  useDocumentTitle(`Wall: ${title}`);
  const data = summary.data;

  return (
    <div className="wall">
      <header className="wall-header">
        <h1 className="wall-title">
          Paddock <span className="wall-title-filter">{title}</span>
        </h1>
        <p className="wall-updated">
          {data ? (
            <>
              Updated <time dateTime={data.at}>{formatTime(Date.parse(data.at))}</time>
            </>
          ) : (
            'Waiting for data…'
          )}
        </p>
      </header>
      {live.status === 'offline' && (
        <p className="wall-stale" role="status">
          Stale since {formatTime(live.since)}: reconnecting…
        </p>
      )}
      {summary.isError && isApiError(summary.error) && summary.error.isClientError && (
        <p className="wall-error" role="alert">
          {summary.error.status === 401
            ? 'This wall screen’s display token is not valid (revoked or mistyped). Ask an admin for a new wall link.'
            : summary.error.problem.title}
        </p>
      )}
      {data && <WallBody summary={data} />}
    </div>
  );
}

function Figure({
  label,
  value,
  detail,
  tone,
}: {
  label: string;
  value: string;
  detail?: string;
  tone?: string;
}) {
  return (
    <div className={tone ? `wall-figure wall-figure-${tone}` : 'wall-figure'}>
      <dt className="wall-figure-label">{label}</dt>
      <dd className="wall-figure-value">
        {value}
        {detail && <span className="wall-figure-detail"> {detail}</span>}
      </dd>
    </div>
  );
}

function WallBody({ summary }: { summary: WallSummary }) {
  const { machines, jobs, capacity, failuresLastHour } = summary;
  const used = capacity.limit > 0 ? Math.round((capacity.running / capacity.limit) * 100) : null;
  const failures = failuresLastHour.jobs + failuresLastHour.revisions;
  const n = (v: number) => v.toLocaleString();
  return (
    <>
      <dl className="wall-figures">
        <Figure label="Online" value={n(machines.online)} detail={`of ${n(machines.total)}`} tone="ok" />
        <Figure
          label="Offline"
          value={n(machines.offline)}
          detail={machines.neverConnected > 0 ? `${n(machines.neverConnected)} never connected` : undefined}
          tone={machines.offline > 0 ? 'bad' : undefined}
        />
        <Figure
          label="Drifting"
          value={n(machines.drifting)}
          tone={machines.drifting > 0 ? 'warn' : undefined}
        />
        <Figure label="Draining" value={n(machines.draining)} />
        <Figure
          label="Under pressure"
          value={n(machines.underPressure)}
          detail={machines.underPressure > 0 ? 'hosts over 90 % CPU or memory' : undefined}
          tone={machines.underPressure > 0 ? 'warn' : undefined}
        />
        <Figure label="Jobs running" value={n(jobs.running)} />
        <Figure label="Jobs pending" value={n(jobs.pending)} />
        <Figure
          label="Capacity used"
          value={used === null ? '—' : `${used} %`}
          detail={`${n(capacity.running)} / ${n(capacity.limit)}`}
        />
        <Figure
          label="Failures, last hour"
          value={n(failures)}
          detail={`${n(failuresLastHour.jobs)} jobs, ${n(failuresLastHour.revisions)} configs`}
          tone={failures > 0 ? 'bad' : undefined}
        />
      </dl>
      <div className="wall-main">
        <section className="wall-panel wall-panel-grid" aria-labelledby="wall-grid-title">
          <h2 id="wall-grid-title" className="wall-panel-title">
            Machines
          </h2>
          <HeatGrid tiles={machines.grid} />
        </section>
        <div className="wall-side">
          <section className="wall-panel" aria-labelledby="wall-queues-title">
            <h2 id="wall-queues-title" className="wall-panel-title">
              Oldest waiting job by tag set
            </h2>
            {summary.tagSets.length === 0 ? (
              <p className="wall-quiet">No jobs waiting or running.</p>
            ) : (
              <table className="wall-table">
                <thead>
                  <tr>
                    <th scope="col">Tags</th>
                    <th scope="col">Oldest wait</th>
                    <th scope="col">Pending</th>
                    <th scope="col">Running</th>
                  </tr>
                </thead>
                <tbody>
                  {summary.tagSets.slice(0, TAG_SETS_SHOWN).map((t) => (
                    <tr key={t.tagSetKey}>
                      <th scope="row">{t.tags.length > 0 ? t.tags.join(', ') : 'untagged'}</th>
                      <td>{formatWait(t.oldestWaitSeconds)}</td>
                      <td>{n(t.pending)}</td>
                      <td>{n(t.running)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section className="wall-panel" aria-labelledby="wall-unserved-title">
            <h2 id="wall-unserved-title" className="wall-panel-title">
              No runner can take
            </h2>
            {summary.unservedTagSets.length === 0 ? (
              <p className="wall-quiet">Every waiting job has a runner.</p>
            ) : (
              <ul className="wall-unserved">
                {summary.unservedTagSets.map((t) => (
                  <li key={t.tagSetKey}>
                    <span className="wall-unserved-tags">
                      {t.tags.length > 0 ? t.tags.join(', ') : 'untagged'}
                    </span>{' '}
                    <span className="wall-unserved-detail">
                      {n(t.pending)} waiting: {UNSERVED_TEXT[t.reason]}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      </div>
    </>
  );
}

const UNSERVED_TEXT = {
  no_runner_with_tags: 'no online runner has these tags',
  all_matching_paused: 'every runner with these tags is paused',
  protected_runners_only: 'only runners for protected refs',
  all_matching_at_capacity: 'every runner is full',
} as const;
