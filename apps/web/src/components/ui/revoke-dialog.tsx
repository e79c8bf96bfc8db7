/**
 * The confirmation before revoking a credential (an API token, a display token): names it, runs the revoke
 * mutation, shows why it failed, and closes once it is done. The caller says what revoking it means.
 */
import type { UseMutationResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { describeError } from '../../lib/api-client';
import { ConfirmDialog } from './confirm-dialog';

export interface RevokeDialogProps {
  name: string;
  open: boolean;
  onClose: () => void;
  revoke: UseMutationResult<unknown, Error, void>;
  children: ReactNode;
}

export function RevokeDialog({ name, open, onClose, revoke, children }: RevokeDialogProps) {
  return (
    <ConfirmDialog
      open={open}
      title={`Revoke ${name}?`}
      confirmLabel="Revoke token"
      busy={revoke.isPending}
      error={revoke.isError ? <p role="alert">Could not revoke: {describeError(revoke.error)}</p> : null}
      onCancel={() => {
        onClose();
        revoke.reset();
      }}
      onConfirm={() => revoke.mutate(undefined, { onSuccess: onClose })}
    >
      {children}
    </ConfirmDialog>
  );
}
