/**
 * Prisma's schema engine compiled to WebAssembly, driven through @prisma/adapter-pg. It makes and applies migrations
 * without Prisma's native engine binaries, which cannot be downloaded everywhere Paddock is built or run.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type {
  ApplyMigrationsOutput,
  DiffResult,
  MigrationList,
  SchemaEngine,
} from '@prisma/schema-engine-wasm';
import pg from 'pg';

export type { MigrationList };

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/**
 * adapter-pg cannot map Postgres' internal one-byte `"char"` type, which the engine's schema describer reads from
 * pg_catalog; the values are plain text, so report them as text.
 */
function reportCharAsText(result: unknown): unknown {
  const results = Array.isArray(result) ? result : [result];
  for (const r of results as Array<{ fields?: Array<{ dataTypeID: number }> }>) {
    for (const field of r?.fields ?? []) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
  }
  return result;
}

class MigrationClient extends pg.Client {
  // pg's query has many overloads; the engine uses the promise form and the pool uses the callback form.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, res: unknown) => last(err, err ? res : reportCharAsText(res));
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (super.query as any)(...args);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const out = (super.query as any)(...args);
    return out && typeof out.then === 'function' ? out.then(reportCharAsText) : out;
  }
}

/** The parts of the WebAssembly global used here (Node has it; its types live in the DOM lib). */
interface WasmGlobal {
  instantiate(
    bytes: Uint8Array,
    imports: object,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

interface WasmBindings {
  __wbg_set_wasm(exports: Record<string, unknown>): void;
  SchemaEngine: {
    new: (options: unknown, log: (line: string) => void, adapter: object) => Promise<SchemaEngine>;
  };
}

/**
 * adapter-pg runs a migration script statement by statement, split at every ";". Sending the script whole, as
 * Prisma's native engine does, keeps semicolons inside literals intact and makes each migration one implicit
 * transaction, so a failing migration leaves nothing half-applied.
 */
class WholeScriptPg extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    const pool = adapter.underlyingDriver() as pg.Pool;
    const fail = (adapter as unknown as { onError(error: unknown): never }).onError.bind(adapter);
    adapter.executeScript = async (script: string) => {
      try {
        await pool.query(script);
      } catch (error) {
        fail(error);
      }
    };
    return adapter;
  }
}

let bindings: Promise<WasmBindings> | undefined;

async function loadBindings(): Promise<WasmBindings> {
  const require = createRequire(import.meta.url);
  // The package exports neither its package.json nor the .wasm file: find them beside the entry point.
  const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
  const bg = (await import(pathToFileURL(path.join(dir, 'schema_engine_bg.js')).href)) as WasmBindings &
    Record<string, unknown>;
  const bytes = await readFile(path.join(dir, 'schema_engine_bg.wasm'));
  const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
  return bg;
}

const globalWithPanic = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };

export interface EngineHandle {
  applyMigrations(list: MigrationList): Promise<ApplyMigrationsOutput>;
  /** SQL that turns the schema produced by `from` into `schemaPrisma`; empty when they match. */
  diffMigrationsToSchema(
    from: MigrationList,
    schemaPrisma: { path: string; content: string },
  ): Promise<string>;
}

const NO_FILTERS = { externalTables: [], externalEnums: [] };

/**
 * Runs `fn` with a schema engine connected to `connectionString`. Diffing from migrations replays them into that
 * database as its shadow, so give a throwaway database for diffs.
 */
export async function withSchemaEngine<T>(
  connectionString: string,
  fn: (engine: EngineHandle) => Promise<T>,
  log: (line: string) => void = () => {},
): Promise<T> {
  let panicMessage: string | undefined;
  globalWithPanic.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message(message: string) {
      panicMessage = message;
    },
  };
  bindings ??= loadBindings();
  const bg = await bindings;
  const pool = new pg.Pool({ connectionString, max: 2, Client: MigrationClient });
  const adapter = bindMigrationAwareSqlAdapterFactory(new WholeScriptPg(pool));
  const engine = await bg.SchemaEngine.new({ datamodels: undefined }, log, adapter);
  const wrapPanic = (error: unknown): never => {
    if (panicMessage) throw new Error(`schema engine panicked: ${panicMessage}`, { cause: error });
    throw error;
  };
  try {
    return await fn({
      applyMigrations: (migrationsList) =>
        engine.applyMigrations({ migrationsList, filters: NO_FILTERS }).catch(wrapPanic),
      diffMigrationsToSchema: async (from, schemaPrisma) => {
        const result: DiffResult = await engine
          .diff({
            from: { tag: 'migrations', ...from },
            to: { tag: 'schemaDatamodel', files: [schemaPrisma] },
            script: true,
            exitCode: null,
            filters: NO_FILTERS,
          })
          .catch(wrapPanic);
        return result.stdout ?? '';
      },
    });
  } finally {
    engine.free();
    await pool.end();
  }
}
