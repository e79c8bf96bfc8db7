/**
 * Searching text (a database dump, logs, recorded answers) for secrets: the plaintext of known secrets, in the
 * encodings they could take on the way (URL, JSON, base64), and anything shaped like a GitLab or Paddock token.
 */

export interface Secret {
  /** what it is, as a finding names it (`runner token after rotation`) */
  kind: string;
  value: string;
}

export interface Finding {
  kind: string;
  where: string;
  /** the text around it, with the secret itself replaced by its kind */
  context: string;
}

/**
 * GitLab's token prefixes (runner, personal/project/group access, job, pipeline trigger, deploy) and Paddock's
 * (`pd?_`), followed by more token characters than the short forms Paddock shows: the 8-character `prefix` of API
 * and display tokens keeps four after `pd?_`, and a runner token appears only as its last four characters.
 */
export const TOKEN_SHAPE =
  /(?<![A-Za-z0-9_-])(?:glrt-|glrtr-|glpat-|glcbt-|glptt-|gldt-|pd[a-z]_)[A-Za-z0-9_-]{8,}/g;

function forms(value: string): string[] {
  const out = new Set([
    value,
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, '+'),
    JSON.stringify(value).slice(1, -1),
  ]);
  if (value.length >= 12) {
    out.add(Buffer.from(value).toString('base64').replace(/=+$/, ''));
    out.add(Buffer.from(value).toString('base64url'));
  }
  return [...out];
}

function around(text: string, at: number, length: number, label: string): string {
  const before = text.slice(Math.max(0, at - 60), at);
  const after = text.slice(at + length, at + length + 60);
  return `${before}<${label}>${after}`.replace(/\s+/g, ' ');
}

/** Every place a known secret appears in the texts. */
export function findSecrets(texts: Record<string, string>, secrets: readonly Secret[]): Finding[] {
  const findings: Finding[] = [];
  for (const secret of secrets) {
    if (secret.value.length < 8) throw new Error(`${secret.kind} is too short to search for`);
    for (const form of forms(secret.value)) {
      for (const [where, text] of Object.entries(texts)) {
        let at = text.indexOf(form);
        while (at !== -1) {
          findings.push({ kind: secret.kind, where, context: around(text, at, form.length, secret.kind) });
          at = text.indexOf(form, at + form.length);
        }
      }
    }
  }
  return findings;
}

/** Every token-shaped string in the texts, known or not. */
export function findTokenShapes(texts: Record<string, string>): Finding[] {
  const findings: Finding[] = [];
  for (const [where, text] of Object.entries(texts)) {
    for (const m of text.matchAll(TOKEN_SHAPE)) {
      findings.push({
        kind: `token-shaped ${m[0].slice(0, m[0].search(/[-_]/) + 1)}…`,
        where,
        context: around(text, m.index, m[0].length, 'token'),
      });
    }
  }
  return findings;
}

/** Findings as lines a failing assertion can show. */
export function describeFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.kind} in ${f.where}: …${f.context}…`).join('\n');
}
