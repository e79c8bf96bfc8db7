import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { describeError } from '../../../lib/api-client';
import { useLogoutEverywhere } from '../api/logout-everywhere';

/** Ends every session of this person, this browser's too; the sign-in page follows. */
export function SignOutEverywhereDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const logout = useLogoutEverywhere();
  return (
    <ConfirmDialog
      open={open}
      title="Sign out everywhere?"
      confirmLabel="Sign out everywhere"
      busy={logout.isPending}
      error={logout.isError ? <p role="alert">Could not sign out: {describeError(logout.error)}</p> : null}
      onCancel={() => {
        onClose();
        logout.reset();
      }}
      onConfirm={() => logout.mutate()}
    >
      <p>
        Every browser signed in to your account is signed out, this one included, and their live updates stop.
        Your API tokens keep working: revoke them under Settings → API tokens.
      </p>
    </ConfirmDialog>
  );
}
