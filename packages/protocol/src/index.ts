/** Agent <-> API protocol: message catalog, version, limits, close codes and the encode/parse pair. */
export * from './codec.js';
export * from './messages.js';
