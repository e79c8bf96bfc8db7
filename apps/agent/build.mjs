// Bundles paddock-agent into one executable file, dist/paddock-agent.js: Node 20 is all a runner host needs.
//
//   node build.mjs                       -> dist/paddock-agent.js
//   node build.mjs --outfile /tmp/x.js   -> elsewhere (the bundle test builds into a temp dir)
import { chmod } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the bundle into `outfile` and makes it executable. */
export async function bundle(outfile = join(here, 'dist', 'paddock-agent.js')) {
  await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Workspace packages are bundled from their TypeScript sources, so no package needs building first.
    conditions: ['@paddock/source'],
    // ws loads these optional native speed-ups inside try/catch; without them it uses its JavaScript code.
    external: ['bufferutil', 'utf-8-validate'],
    banner: {
      // ws is CommonJS and calls require() for Node built-ins; an ESM bundle has no require of its own.
      js: [
        '#!/usr/bin/env node',
        "import { createRequire as __paddockCreateRequire } from 'node:module';",
        'const require = __paddockCreateRequire(import.meta.url);',
      ].join('\n'),
    },
    // The licences of bundled dependencies (ws, zod) travel with the file.
    legalComments: 'eof',
    logLevel: 'warning',
  });
  await chmod(outfile, 0o755);
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
  const outfile = await bundle(values.outfile ? resolve(values.outfile) : undefined);
  console.log(`built ${outfile}`);
}
