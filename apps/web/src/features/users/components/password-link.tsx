import { SecretValue, ShownOnce } from '../../../components/ui/shown-once';

export interface PasswordLinkProps {
  /** Whom the link is for, as the page shows them. */
  person: string;
  /** `/invite?token=…`, from the API */
  invitePath: string;
  /** A first invitation, or a new link for someone who had one. */
  kind: 'invitation' | 'reset';
  onDone: () => void;
}

/** A one-time link to choose a password, with this Paddock's address in front, to copy and pass on. */
export function PasswordLink({ person, invitePath, kind, onDone }: PasswordLinkProps) {
  const url = `${window.location.origin}${invitePath}`;
  return (
    <ShownOnce
      title={kind === 'invitation' ? `${person} is invited` : `New password link for ${person}`}
      warning={
        <>
          Paddock sends no email: copy this link and give it to {person} yourself. It works once, for 7 days,
          and Paddock cannot show it again{kind === 'reset' ? '; their older links no longer work' : ''}.
        </>
      }
      onDone={onDone}
    >
      <SecretValue label="Link to choose a password" value={url} what="link" />
    </ShownOnce>
  );
}
