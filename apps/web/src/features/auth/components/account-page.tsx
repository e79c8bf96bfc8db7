import { useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Detail, DetailList } from '../../../components/ui/details';
import { PageHeader } from '../../../components/ui/page-header';
import { RelativeTime } from '../../../components/ui/relative-time';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useSession } from '../api/get-session';
import { ROLE_DESCRIPTIONS, ROLE_LABELS } from '../roles';
import { ChangePasswordForm } from './change-password-form';
import { SignOutEverywhereDialog } from './sign-out-everywhere-dialog';

/** Settings → Your account: who you are, your password, and your sessions. */
export function AccountPage() {
  useDocumentTitle('Your account');
  const session = useSession().data;
  const [confirming, setConfirming] = useState(false);
  if (!session) return null;
  const { user } = session;

  return (
    <div className="page">
      <PageHeader title="Your account" />
      <section className="card" aria-labelledby="account-who">
        <h2 id="account-who">Signed in as</h2>
        <DetailList>
          <Detail term="Email">{user.email}</Detail>
          <Detail term="Name">{user.name ?? <span className="muted">not set</span>}</Detail>
          <Detail term="Role">
            {ROLE_LABELS[user.role]} <span className="muted small">— {ROLE_DESCRIPTIONS[user.role]}</span>
          </Detail>
          <Detail term="This session ends">
            <RelativeTime value={session.idleExpiresAt} /> if unused,{' '}
            <RelativeTime value={session.expiresAt} /> at the latest
          </Detail>
        </DetailList>
      </section>
      <section className="card" aria-labelledby="account-password">
        <h2 id="account-password">Change password</h2>
        <ChangePasswordForm />
      </section>
      <section className="card" aria-labelledby="account-sessions">
        <h2 id="account-sessions">Sessions</h2>
        <p>
          Signed in on a computer you no longer use, or lost one? End every session of your account at once.
        </p>
        <div className="form-actions">
          <Button variant="danger" onClick={() => setConfirming(true)}>
            Sign out everywhere
          </Button>
        </div>
      </section>
      <SignOutEverywhereDialog open={confirming} onClose={() => setConfirming(false)} />
    </div>
  );
}
