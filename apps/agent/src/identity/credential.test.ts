import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialError, readCredential, writeCredential } from './credential.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-cred-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('credential.json', () => {
  it('round-trips with mode 0600 in a new 0700 directory', async () => {
    const stateDir = join(dir, 'state');
    const cred = { server: 'https://p.example', machineId: 'm', credential: 'secret' };
    const path = await writeCredential(stateDir, cred);
    expect(await readCredential(stateDir)).toEqual(cred);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    expect(await readdir(stateDir)).toEqual(['credential.json']);
  });

  it('is null when absent and an error when malformed', async () => {
    expect(await readCredential(dir)).toBeNull();
    await writeFile(join(dir, 'credential.json'), '{');
    await expect(readCredential(dir)).rejects.toThrow(CredentialError);
    await writeFile(join(dir, 'credential.json'), '{"server":"x"}');
    await expect(readCredential(dir)).rejects.toThrow(/lacks/);
  });
});
