/**
 * Routes that work without a session: the pages that create one, and the wall screen, which authenticates with
 * its display token instead.
 */
const SIGN_IN_PATHS = ['/login', '/setup', '/invite'];
const WALL_PATH = '/wall';

function under(pathname: string, base: string): boolean {
  return pathname === base || pathname.startsWith(`${base}/`);
}

export function isSignInPath(pathname: string): boolean {
  return SIGN_IN_PATHS.some((base) => under(pathname, base));
}

export function isWallPath(pathname: string): boolean {
  return under(pathname, WALL_PATH);
}
