import { useState } from 'react';
import { copyToClipboard } from '../../lib/clipboard';
import { Button } from './button';

export interface CopyButtonProps {
  text: string;
  /** Names what is copied in the button and the status line, e.g. "token". */
  what: string;
  variant?: 'primary' | 'secondary';
}

/** A copy button with a status line that says whether it worked, and what to do when the browser refused. */
export function CopyButton({ text, what, variant }: CopyButtonProps) {
  const [status, setStatus] = useState('');
  const copy = async () => {
    const ok = await copyToClipboard(text);
    setStatus(ok ? `Copied the ${what}.` : `Could not copy: select the ${what} and copy it by hand.`);
  };
  return (
    <>
      <Button variant={variant} onClick={() => void copy()}>
        Copy {what}
      </Button>
      <span role="status" className="form-status">
        {status}
      </span>
    </>
  );
}
