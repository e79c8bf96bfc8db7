/**
 * What the API accepts as text, checked once for every route: JSON bodies in valid UTF-8, and no string (in a body,
 * query or path) holding a NUL character or an unpaired UTF-16 surrogate. Postgres stores neither in text or jsonb,
 * so such a value would otherwise fail deep inside a change, as a 500, after a GitLab call perhaps; and bytes that
 * are not UTF-8 would be stored as replacement characters instead of what the client meant.
 */
import type { FieldError } from '@paddock/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, ValidationError } from '../lib/errors.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const isUnstorable = (s: string) => s.includes('\u0000') || s.search(LONE_SURROGATE) !== -1;
/** a key as an error path can show it */
const printable = (key: string) => key.replaceAll('\u0000', '?').replace(LONE_SURROGATE, '?');
/** enough to point a client at its mistakes without echoing a huge hostile body back */
const MAX_ERRORS = 20;

const unstorable = (path: string): FieldError => ({
  path,
  message: 'holds a NUL character or an unpaired UTF-16 surrogate',
  code: 'invalid_text',
});

/** Where a value sits, built into a dotted path only when it is reported. */
interface Place {
  parent: Place | null;
  key: string;
}
const pathOf = (place: Place) => {
  const keys: string[] = [];
  for (let p: Place | null = place; p; p = p.parent) keys.push(p.key);
  return keys.reverse().join('.');
};

/**
 * Paths (`body.labels.pool`) of the strings and keys in `value` that Postgres cannot store. Iterative, and paths
 * are built only for what is reported: a body may nest as deep as the body limit allows.
 */
export function unstorableText(value: unknown, root: string): FieldError[] {
  const errors: FieldError[] = [];
  const stack: Array<[unknown, Place]> = [[value, { parent: null, key: root }]];
  while (stack.length > 0 && errors.length < MAX_ERRORS) {
    const [v, place] = stack.pop()!;
    if (typeof v === 'string') {
      if (isUnstorable(v)) errors.push(unstorable(pathOf(place)));
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], { parent: place, key: String(i) }]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const here = { parent: place, key: printable(k) };
        if (isUnstorable(k)) errors.push(unstorable(pathOf(here)));
        stack.push([child, here]);
      }
    }
  }
  return errors;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export default fp(
  async function requestText(app: FastifyInstance) {
    // Fastify's own JSON parser (with its prototype-poisoning checks), fed only text that decoded cleanly.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      let text: string;
      try {
        text = utf8.decode(body as Buffer);
      } catch {
        done(
          new AppError(400, 'malformed_json', 'Malformed JSON', 'The body is not valid UTF-8.', [
            { path: 'body', message: 'not valid UTF-8', code: 'invalid_utf8' },
          ]),
          undefined,
        );
        return;
      }
      parseJson(request, text, (err: Error | null, parsed?: unknown) => {
        if (err) return done(err, undefined);
        const errors = unstorableText(parsed, 'body');
        if (errors.length > 0) return done(new ValidationError(errors), undefined);
        done(null, parsed);
      });
    });

    app.addHook('preValidation', async (request: FastifyRequest) => {
      const errors = [...unstorableText(request.query, 'query'), ...unstorableText(request.params, 'params')];
      if (errors.length > 0) throw new ValidationError(errors);
    });
  },
  { name: 'request-text', dependencies: ['errors'] },
);
