/** Where integration tests find Postgres: PADDOCK_TEST_DATABASE_URL, or the local server on 127.0.0.1:5432. */
export function adminUrl(): string {
  return process.env.PADDOCK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}
