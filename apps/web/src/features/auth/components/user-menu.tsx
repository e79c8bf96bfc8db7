import { Link } from '@tanstack/react-router';
import { useEffect, useId, useRef, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { describeError } from '../../../lib/api-client';
import { useCurrentUser } from '../api/get-session';
import { useLogout } from '../api/logout';
import { ROLE_LABELS } from '../roles';
import { SignOutEverywhereDialog } from './sign-out-everywhere-dialog';

/**
 * Who is signed in, and the account actions. A disclosure (button + panel) rather than an ARIA menu: it holds a
 * link and buttons reached with Tab, Escape closes it and gives focus back to the button.
 */
export function UserMenu() {
  const user = useCurrentUser();
  const logout = useLogout();
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const panelId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  // "Sign out everywhere" is hidden with the panel by the time its dialog closes, so the browser cannot give
  // focus back to it and would drop it on the page: the menu's button takes it instead. This runs after the
  // dialog's own effect has closed it (child effects first), when the button is no longer inert.
  const wasConfirming = useRef(false);
  useEffect(() => {
    if (wasConfirming.current && !confirming) buttonRef.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  useEffect(() => {
    if (!open) return;
    const closeOutside = (event: MouseEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', closeOutside);
    return () => document.removeEventListener('mousedown', closeOutside);
  }, [open]);

  if (!user) return null;
  const displayName = user.name ?? user.email;

  return (
    <div
      className="user-menu"
      ref={rootRef}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          setOpen(false);
          buttonRef.current?.focus();
        }
      }}
      onBlur={(event) => {
        // Tabbing out of the panel closes it, so it never hides the page behind a forgotten popup.
        if (open && !rootRef.current?.contains(event.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <button
        ref={buttonRef}
        type="button"
        className="user-menu-button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
      >
        {/* The accessible name starts with the visible text (WCAG 2.5.3), then says what the button opens. */}
        <span className="user-menu-name">{displayName}</span>
        <span className="visually-hidden">,</span>{' '}
        <span className="user-menu-role">{ROLE_LABELS[user.role]}</span>
        <span className="visually-hidden">: account menu</span>
        <svg viewBox="0 0 12 12" width="12" height="12" aria-hidden="true" focusable="false">
          <path d="M2.5 4.5 6 8l3.5-3.5" fill="none" stroke="currentColor" strokeWidth="1.6" />
        </svg>
      </button>
      <div id={panelId} className="user-menu-panel" hidden={!open}>
        <p className="user-menu-who">
          <strong>{displayName}</strong>
          {user.name ? <span className="muted small">{user.email}</span> : null}
          <span className="muted small">Role: {ROLE_LABELS[user.role]}</span>
        </p>
        <ul className="user-menu-actions">
          <li>
            <Link to="/settings/account" className="user-menu-item" onClick={() => setOpen(false)}>
              Change password
            </Link>
          </li>
          <li>
            <Button
              variant="ghost"
              className="user-menu-item"
              busy={logout.isPending}
              onClick={() => logout.mutate()}
            >
              Sign out
            </Button>
          </li>
          <li>
            <Button
              variant="ghost"
              className="user-menu-item"
              onClick={() => {
                setOpen(false);
                setConfirming(true);
              }}
            >
              Sign out everywhere
            </Button>
          </li>
        </ul>
        {logout.isError ? (
          <p className="field-error" role="alert">
            Could not sign out: {describeError(logout.error)}
          </p>
        ) : null}
      </div>
      <SignOutEverywhereDialog open={confirming} onClose={() => setConfirming(false)} />
    </div>
  );
}
