import type { ReactNode } from 'react';
import { BrandMark } from './brand-mark';

/** The frame of the pages used before signing in (sign-in, first setup, invitation): no navigation, one card. */
export function AuthShell({ children }: { children: ReactNode }) {
  return (
    <div className="auth-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="auth-brand">
        <span className="brand">
          <BrandMark />
          <span>Paddock</span>
        </span>
      </header>
      <main id="main" className="auth-main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
