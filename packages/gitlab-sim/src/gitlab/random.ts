/**
 * Randomness for the GitLab simulator. With a seed every token, id-like string and generated pipeline is the same
 * on every run, so tests and recorded demos are reproducible; without one it is seeded from the OS.
 */
import { randomBytes } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_CHARS = `${ALPHANUMERIC}-_`;

export class Random {
  private state: number;

  constructor(seed?: number) {
    this.state = (seed ?? randomBytes(4).readUInt32LE(0)) >>> 0;
  }

  /** A float in [0, 1) (mulberry32: small, fast and good enough for simulated data). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  string(length: number, alphabet = ALPHANUMERIC): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  hex(length: number): string {
    return this.string(length, '0123456789abcdef');
  }

  /** A runner authentication token; `t1_`..`t3_` is the partition prefix GitLab puts after `glrt-` per runner type. */
  runnerToken(partition: 1 | 2 | 3): string {
    return `glrt-t${partition}_${this.string(20, TOKEN_CHARS)}`;
  }

  personalAccessToken(): string {
    return `glpat-${this.string(20, TOKEN_CHARS)}`;
  }

  jobToken(): string {
    return `glcbt-${this.string(20, TOKEN_CHARS)}`;
  }
}
