import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configToml } from '../test-support/config.js';
import { harness, isEvent, T0 } from '../test-support/simulator.js';
import { ConfigLoadError } from './load-config.js';
import { SYSTEM_ID_FILE } from './system-id.js';

const runner = { name: 'r1', token: 'glrt-t1_pQ7vN2xK9mR4sL8wZ3cY', requestConcurrency: 2 };

describe('config reload by mtime (checkConfig every reload interval)', () => {
  it('reloads a file with a newer mtime within one interval and resizes the worker slots', async () => {
    const h = await harness({ config: configToml({ concurrent: 2, runners: [runner] }) });
    expect(h.sim.state()).toMatchObject({ concurrent: 2, workerSlots: 2, configurationLoaded: 1 });
    const loaded = h.sim.nextEvent(isEvent('config-loaded'), 2000);
    const resized = h.sim.nextEvent((e) => e.type === 'workers' && e.slots === 5, 2000);
    await h.write(configToml({ concurrent: 5, runners: [runner] }));
    expect(await loaded).toMatchObject({ trigger: 'mtime', fromFile: true });
    await resized;
    expect(h.sim.state()).toMatchObject({ concurrent: 5, workerSlots: 5, configurationLoaded: 2 });
    expect(h.sim.state().modTimeNs).toBe(BigInt(T0 + 1) * 1_000_000_000n);
  });

  it('does not notice a file replaced with an older mtime until reload() (SIGHUP)', async () => {
    const h = await harness({ config: configToml({ concurrent: 2, runners: [runner] }) });
    await h.write(configToml({ concurrent: 6, runners: [runner] }), T0 - 3600);
    // Two full checks of the file, both finding nothing newer.
    expect(await h.sim.nextEvent(isEvent('config-check'))).toMatchObject({ result: 'unchanged' });
    expect(await h.sim.nextEvent(isEvent('config-check'))).toMatchObject({ result: 'unchanged' });
    expect(h.sim.state()).toMatchObject({ concurrent: 2, configurationLoaded: 1 });

    expect(await h.sim.reload()).toEqual({ ok: true });
    expect(h.sim.state()).toMatchObject({ concurrent: 6, configurationLoaded: 2 });
    expect(h.sim.state().modTimeNs).toBe(BigInt(T0 - 3600) * 1_000_000_000n);
  });

  it('keeps the previous config on a broken file, counts the error, and does not re-read it until it changes', async () => {
    const h = await harness({ config: configToml({ concurrent: 2, runners: [runner] }) });
    const error = h.sim.nextEvent(isEvent('config-error'));
    const failedCheck = h.sim.nextEvent((e) => e.type === 'config-check' && e.result === 'failed');
    await h.write('concurrent = = 3\n');
    expect((await error).error).toBeInstanceOf(ConfigLoadError);
    await failedCheck;
    expect(await h.sim.nextEvent(isEvent('config-check'))).toMatchObject({ result: 'unchanged' });
    expect(h.sim.state()).toMatchObject({
      concurrent: 2,
      configurationLoaded: 1,
      configurationLoadingErrors: 1,
    });
    expect(h.sim.effectiveLimits()).toHaveLength(1);
    const metrics = h.sim.metricsText();
    expect(metrics).toContain('\ngitlab_runner_configuration_loading_error_total 1\n');
    // checkConfig and updateConfig both log "Failed to load config".
    expect(metrics).toContain('\ngitlab_runner_errors_total{level="error"} 2\n');

    // SIGHUP re-reads it anyway, and fails again.
    const result = await h.sim.reload();
    expect(result.ok).toBe(false);
    expect(h.sim.state()).toMatchObject({ concurrent: 2, configurationLoadingErrors: 2 });

    const loaded = h.sim.nextEvent(isEvent('config-loaded'));
    await h.write(configToml({ concurrent: 4, runners: [runner] }));
    await loaded;
    expect(h.sim.state()).toMatchObject({
      concurrent: 4,
      configurationLoaded: 2,
      configurationLoadingErrors: 2,
    });
  });

  it('dies when a reload sets concurrent below 1, like gitlab-runner Fatal', async () => {
    const h = await harness({ config: configToml({ concurrent: 2, runners: [runner] }) });
    const fatal = h.sim.nextEvent(isEvent('fatal'));
    await h.write(configToml({ concurrent: 0, runners: [runner] }));
    expect((await fatal).error.message).toMatch(/concurrent = 0/);
    const exit = await h.sim.stopped();
    expect(exit.reason).toBe('fatal');
    expect(h.sim.state().status).toBe('failed');
    // The file itself loaded: this is not a loading error.
    expect(h.sim.state()).toMatchObject({ configurationLoaded: 2, configurationLoadingErrors: 0 });
  });

  it('dies after a SIGHUP reload to concurrent = -1 too, although the reload itself succeeded', async () => {
    const h = await harness({ config: configToml({ concurrent: 2 }) });
    await h.write(configToml({ concurrent: -1 }), T0 - 10);
    expect(await h.sim.reload()).toEqual({ ok: true });
    expect(await h.sim.stopped()).toMatchObject({ reason: 'fatal' });
  });

  it('dies at once when it starts with concurrent = 0 (start itself succeeds, as Start() does)', async () => {
    const h = await harness({ config: configToml({ concurrent: 0 }), start: false });
    await h.sim.start();
    expect(await h.sim.stopped()).toMatchObject({ reason: 'fatal' });
  });

  it('refuses to start on a broken file', async () => {
    const h = await harness({ config: '[[runners]\n', start: false });
    await expect(h.sim.start()).rejects.toBeInstanceOf(ConfigLoadError);
    expect(h.sim.state()).toMatchObject({ status: 'failed', configurationLoadingErrors: 1 });
    expect(await h.sim.stopped()).toMatchObject({ reason: 'fatal' });
  });

  it('refuses to start with an unknown log_level, but a reload to one keeps the new config and reports an error', async () => {
    const bad = await harness({ config: 'log_level = "chatty"\n', start: false });
    await expect(bad.sim.start()).rejects.toThrow(/log_level/);

    const h = await harness({ config: configToml({ concurrent: 2 }) });
    await h.write(`log_level = "chatty"\n${configToml({ concurrent: 3 })}`, T0 - 10);
    const result = await h.sim.reload();
    expect(result.ok).toBe(false);
    expect(h.sim.state()).toMatchObject({
      concurrent: 3,
      configurationLoaded: 2,
      configurationLoadingErrors: 0,
    });
  });

  it('runs with no runners when config.toml is missing, and loads it once it appears', async () => {
    const h = await harness();
    expect(h.sim.state()).toMatchObject({
      status: 'running',
      fromFile: false,
      concurrent: 1,
      workerSlots: 1,
    });
    expect(h.sim.effectiveLimits()).toEqual([]);
    expect(await h.sim.nextEvent(isEvent('config-check'))).toMatchObject({ result: 'missing' });
    // The system_id is created even without a config.toml.
    expect(await readFile(join(h.dir, SYSTEM_ID_FILE), 'utf8')).toBe('s_ee3af03959fe');

    const loaded = h.sim.nextEvent(isEvent('config-loaded'));
    await h.write(configToml({ concurrent: 3, runners: [runner] }));
    await loaded;
    expect(h.sim.state()).toMatchObject({ fromFile: true, concurrent: 3 });
    expect(h.sim.effectiveLimits()).toHaveLength(1);
  });

  it('keeps its config when the file disappears, but a SIGHUP then falls back to the defaults', async () => {
    const h = await harness({ config: configToml({ concurrent: 4, runners: [runner] }) });
    await rm(h.configPath);
    expect(await h.sim.nextEvent(isEvent('config-check'))).toMatchObject({ result: 'missing' });
    expect(h.sim.state()).toMatchObject({ concurrent: 4, fromFile: true });
    expect(await h.sim.reload()).toEqual({ ok: true });
    expect(h.sim.state()).toMatchObject({ concurrent: 1, fromFile: false });
    expect(h.sim.effectiveLimits()).toEqual([]);
  });
});

describe('system_id in the simulator', () => {
  it('is created from the machine-id at start and kept across reloads, even when the file changes', async () => {
    const h = await harness({ config: configToml({ concurrent: 2, runners: [runner] }) });
    expect(h.sim.state().systemId).toBe('s_ee3af03959fe');
    await writeFile(join(h.dir, SYSTEM_ID_FILE), 'r_ABCDEFabcdef');
    await h.write(configToml({ concurrent: 3, runners: [runner] }));
    await h.sim.nextEvent(isEvent('config-loaded'));
    expect(await h.sim.reload()).toEqual({ ok: true });
    expect(h.sim.state().systemId).toBe('s_ee3af03959fe');
    expect(h.sim.metricsText()).toContain('system_id="s_ee3af03959fe"');
  });

  it('reads an existing id', async () => {
    const h = await harness({ config: configToml({ concurrent: 1 }), start: false });
    await writeFile(join(h.dir, SYSTEM_ID_FILE), 'r_ABCDEFabcdef\n');
    await h.sim.start();
    expect(h.sim.state().systemId).toBe('r_ABCDEFabcdef');
  });
});
