import { useEffect, useId, useRef, useState } from 'react';
import type { CreatedEnrollmentToken } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { StatusBadge } from '../../../components/ui/status-badge';
import { copyToClipboard } from '../../../lib/clipboard';
import { formatDateTime } from '../../../lib/format';
import { enrollCommands, installCommands } from '../enrollment-commands';

/**
 * The one moment a token is visible: with a copy button and the exact commands for a host. Focus moves here so a
 * screen reader hears it at once; "Done" forgets the token.
 */
export function CreatedToken({
  created,
  onDone,
  level = 3,
}: {
  created: CreatedEnrollmentToken;
  onDone: () => void;
  /** Heading level that keeps the page's outline in order. */
  level?: 2 | 3;
}) {
  const Heading = level === 2 ? 'h2' : 'h3';
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState<string>('');
  const install = installCommands(window.location.origin).join('\n');
  const commands = enrollCommands(window.location.origin, created.token).join('\n');

  useEffect(() => {
    headingRef.current?.focus();
  }, [created.id]);

  const copy = async (what: string, text: string) => {
    const ok = await copyToClipboard(text);
    setCopied(ok ? `Copied the ${what}.` : `Could not copy: select the ${what} and copy it by hand.`);
  };

  return (
    <section className="token-once" aria-labelledby={headingId}>
      <Heading id={headingId} ref={headingRef} tabIndex={-1}>
        Enrollment token “{created.name}” created
      </Heading>
      <div className="notice notice-warning">
        <p>
          <StatusBadge tone="warning">Shown once</StatusBadge> Copy the token now. Paddock keeps only a hash
          of it and cannot show it again.
        </p>
      </div>
      <p className="field-label">Token</p>
      <div className="copy-row">
        <code className="token-value" aria-label="Enrollment token">
          {created.token}
        </code>
        <Button onClick={() => void copy('token', created.token)}>Copy token</Button>
      </div>
      <p>On each host that runs gitlab-runner, as root, install the Paddock agent this server provides:</p>
      <pre className="code-block" aria-label="Command to install the agent" tabIndex={0}>
        <code>{install}</code>
      </pre>
      <div className="copy-row">
        <Button onClick={() => void copy('install command', install)}>Copy install command</Button>
      </div>
      <p>Then enroll the host with the token and start the agent:</p>
      <pre className="code-block" aria-label="Commands to run on the host" tabIndex={0}>
        <code>{commands}</code>
      </pre>
      <div className="form-actions">
        <Button onClick={() => void copy('commands', commands)}>Copy commands</Button>
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
        <span role="status" className="form-status">
          {copied}
        </span>
      </div>
      <p className="small muted">
        {created.maxUses == null
          ? 'Any number of machines can enroll with it'
          : `${created.maxUses} ${created.maxUses === 1 ? 'machine' : 'machines'} can enroll with it`}
        {created.expiresAt ? `, until ${formatDateTime(created.expiresAt)}.` : ', and it never expires.'} The
        host appears under Machines as soon as its agent connects.
      </p>
    </section>
  );
}
