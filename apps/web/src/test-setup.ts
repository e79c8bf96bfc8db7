import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// Testing Library only cleans up by itself when test globals are on; this project imports them explicitly.
afterEach(() => cleanup());

// jsdom has no layout, so the router's scroll restoration would log "not implemented" on every navigation.
window.scrollTo = () => {};

// The whole suite runs in parallel on small CI machines: give async queries room before calling a page broken.
configure({ asyncUtilTimeout: 5000 });
