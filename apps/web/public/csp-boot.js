// Runs before every other script (a classic script in <head>). Zod speeds up object parsing by compiling code
// with new Function, which the content security policy (no 'unsafe-eval') forbids; merely probing for it makes
// the browser report a violation. Zod reads this global configuration when it loads, so it never probes; its
// interpreted path parses the same.
globalThis.__zod_globalConfig = Object.assign(globalThis.__zod_globalConfig || {}, { jitless: true });
