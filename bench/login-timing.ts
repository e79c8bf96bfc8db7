/**
 * Sign-in timing: whether `POST /api/v1/auth/login` tells by its latency that an account exists. The real app
 * listens on loopback over a fresh database on the local Postgres; four kinds of attempt are interleaved:
 * - wrong password: an existing, enabled account with a wrong password;
 * - unknown email: no such account (the decoy scrypt of verifyPassword);
 * - disabled account: an existing, disabled account with its right password;
 * - right password: an enabled account signing in (a session is created, so it costs more than scrypt alone).
 *
 *   npx pnpm --filter @paddock/bench login-timing   [--attempts 40] [--warmup 5] [--no-write]
 *     (PADDOCK_BENCH_DATABASE_URL to use another server)
 *
 * Throttling would answer 429 after 5 failures per account or 20 per address: the app trusts `X-Forwarded-For`
 * (PADDOCK_TRUST_PROXY=true), every attempt comes from an address of its own, and every failed attempt names an
 * account (or unknown email) of its own. Requests go one at a time, so each latency is one sign-in's alone.
 *
 * Target: the median of unknown emails and of disabled accounts within ±20 % of the wrong passwords' median.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildApp } from '../apps/api/src/app.js';
import { createDatabase } from '../apps/api/src/db/client.js';
import { applyMigrations } from '../apps/api/src/db/migrations.js';
import { parseEnv } from '../apps/api/src/env.js';
import { hashPassword } from '../apps/api/src/lib/passwords.js';
import { createSecretBox } from '../apps/api/src/lib/secrets.js';
import { machineDescription, ms, summarize, writeSection, type LatencySummary } from './lib/stats.js';

const PASSWORD = 'bench password, right one';
const WRONG_PASSWORD = 'bench password, wrong one';
const TOLERANCE = 0.2;

const KINDS = ['wrong', 'unknown', 'disabled', 'right'] as const;
type Kind = (typeof KINDS)[number];
const LABEL: Record<Kind, string> = {
  wrong: 'existing account, wrong password',
  unknown: 'unknown email',
  disabled: 'disabled account, right password',
  right: 'right password (signs in)',
};
const EXPECTED_STATUS: Record<Kind, number> = { wrong: 401, unknown: 401, disabled: 401, right: 200 };

function parseArgs(argv: string[]) {
  const opts = { attempts: 40, warmup: 5, write: true };
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const number = () => {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a whole number`);
      return v;
    };
    if (a === '--attempts') opts.attempts = Math.max(1, number());
    else if (a === '--warmup') opts.warmup = number();
    else if (a === '--no-write') opts.write = false;
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

const adminUrl = process.env.PADDOCK_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A source address of its own for attempt `n` (10.0.0.1, 10.0.0.2, …), so no address collects failures. */
function sourceAddress(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** What the answer says, without what differs per request (request ids, instance paths). */
function answerShape(status: number, body: string): string {
  try {
    const { type, title, detail } = JSON.parse(body) as Record<string, unknown>;
    return JSON.stringify({ status, type, title, detail });
  } catch {
    return JSON.stringify({ status, body });
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const rounds = opts.warmup + opts.attempts;
  const name = `paddock_bench_login_${Date.now()}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createDatabase({ connectionString: url.toString(), maxConnections: 20 });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-'));
  try {
    console.log('migrating and creating accounts...');
    await applyMigrations({ connectionString: url.toString() });
    // One account per failed attempt of the wrong and disabled kinds (per-account throttling starts after 5
    // failures), each with a hash of its own as real accounts have; the right-password account is reused, since
    // a successful sign-in records no failure.
    const t0 = performance.now();
    const hashes = await Promise.all(Array.from({ length: 2 * rounds + 1 }, () => hashPassword(PASSWORD)));
    const emails = {
      wrong: Array.from({ length: rounds }, (_, i) => `wrong-${i}@example.test`),
      unknown: Array.from({ length: rounds }, (_, i) => `unknown-${i}@example.test`),
      disabled: Array.from({ length: rounds }, (_, i) => `disabled-${i}@example.test`),
      right: Array.from({ length: rounds }, () => 'right@example.test'),
    } satisfies Record<Kind, string[]>;
    await db.prisma.user.createMany({
      data: [
        ...emails.wrong.map((email, i) => ({ email, role: 'viewer' as const, passwordHash: hashes[i]! })),
        ...emails.disabled.map((email, i) => ({
          email,
          role: 'viewer' as const,
          passwordHash: hashes[rounds + i]!,
          disabledAt: new Date(),
        })),
        { email: 'right@example.test', role: 'viewer' as const, passwordHash: hashes[2 * rounds]! },
      ],
    });
    console.log(`${2 * rounds + 1} accounts in ${ms(performance.now() - t0)}`);

    const env = parseEnv({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      PADDOCK_TRUST_PROXY: 'true',
      PADDOCK_DATA_DIR: dataDir,
      PADDOCK_WEB_DIR: path.join(os.tmpdir(), 'paddock-bench-no-web'),
    });
    const app = await buildApp({ env, db, secrets: createSecretBox(randomBytes(32)), logger: false });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });

    let attempt = 0;
    const latencies: Record<Kind, number[]> = { wrong: [], unknown: [], disabled: [], right: [] };
    const unexpected: string[] = [];
    const shapes = new Map<Kind, Set<string>>(KINDS.map((k) => [k, new Set<string>()]));
    async function signIn(kind: Kind, round: number): Promise<number> {
      const source = sourceAddress(++attempt);
      const t = performance.now();
      const res = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': source },
        body: JSON.stringify({
          email: emails[kind][round],
          password: kind === 'wrong' || kind === 'unknown' ? WRONG_PASSWORD : PASSWORD,
        }),
      });
      const body = await res.text();
      const elapsed = performance.now() - t;
      if (res.status === 429) throw new Error(`throttled (429) at attempt ${attempt} (${kind}): ${body}`);
      if (res.status !== EXPECTED_STATUS[kind])
        unexpected.push(`${kind} #${round}: ${res.status} ${body.slice(0, 200)}`);
      if (kind !== 'right') shapes.get(kind)!.add(answerShape(res.status, body));
      return elapsed;
    }

    console.log(`${opts.warmup} warm-up rounds, then ${opts.attempts} measured rounds of the four kinds...`);
    for (let round = 0; round < rounds; round++) {
      // Each round starts with another kind, so none always follows the same one.
      const order = KINDS.map((_, i) => KINDS[(i + round) % KINDS.length]!);
      for (const kind of order) {
        const elapsed = await signIn(kind, round);
        if (round >= opts.warmup) latencies[kind].push(elapsed);
      }
    }
    await app.close();

    const s = Object.fromEntries(KINDS.map((k) => [k, summarize(latencies[k])])) as Record<
      Kind,
      LatencySummary
    >;
    const ratio = (k: Kind) => s[k].p50 / s.wrong.p50;
    const within = (k: Kind) => Math.abs(ratio(k) - 1) <= TOLERANCE;
    const met = within('unknown') && within('disabled');
    const failures = (['wrong', 'unknown', 'disabled'] as const).map((k) => [...shapes.get(k)!]);
    const sameAnswer = failures.every((f) => f.length === 1 && f[0] === failures[0]![0]);
    for (const k of KINDS)
      console.log(`${LABEL[k]}: p50 ${ms(s[k].p50)} p95 ${ms(s[k].p95)} max ${ms(s[k].max)} (${s[k].count})`);
    console.log(
      `medians unknown/wrong ${ratio('unknown').toFixed(3)}, disabled/wrong ${ratio('disabled').toFixed(3)}: ` +
        `target ${met ? 'met' : 'not met'}; failed sign-ins answered ${sameAnswer ? 'identically' : 'differently'}`,
    );
    if (unexpected.length) console.log(`unexpected answers:\n${unexpected.join('\n')}`);
    if (!opts.write) {
      console.log('RESULTS.md left as it was (--no-write)');
      return;
    }

    const args = process.argv.slice(2).filter((x) => x !== '--');
    const command = `npx pnpm --filter @paddock/bench login-timing${args.length ? ` -- ${args.join(' ')}` : ''}`;
    const pct = (k: Kind) => `${ratio(k) >= 1 ? '+' : ''}${((ratio(k) - 1) * 100).toFixed(1)} %`;
    writeSection(
      'login-timing',
      `## Login timing (no user enumeration)

Command: \`${command}\` · ${new Date().toISOString()} · ${machineDescription()}

\`POST /api/v1/auth/login\` on the real app on loopback, Postgres on 127.0.0.1, a fresh database. ${opts.attempts}
attempts of each kind after ${opts.warmup} warm-up rounds, interleaved round by round (each round starting with
another kind), one request at a time, each from its own \`X-Forwarded-For\` address (PADDOCK_TRUST_PROXY=true) and
each failed one on an account or email of its own, so no throttling applies. Passwords are scrypt N=2^15, r=8, p=1.

| attempt | expected | count | p50 | p95 | max | median / wrong password |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${KINDS.map((k) => `| ${LABEL[k]} | ${EXPECTED_STATUS[k]} | ${s[k].count} | ${ms(s[k].p50)} | ${ms(s[k].p95)} | ${ms(s[k].max)} | ${ratio(k).toFixed(2)} |`).join('\n')}

Unexpected answers: ${unexpected.length === 0 ? 'none' : unexpected.length}. The three kinds of failed sign-in were answered
${sameAnswer ? 'identically (status, type, title, detail)' : 'differently'}.

Target: median of unknown and disabled within ±${TOLERANCE * 100} % of wrong password — **${met ? 'met' : 'not met'}**
(unknown ${pct('unknown')}, disabled ${pct('disabled')}). A right password costs the same scrypt plus a new session
and the user's \`lastLoginAt\`; it tells nothing an attacker without the password could use.`,
    );
    console.log('written to bench/RESULTS.md');
  } finally {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
