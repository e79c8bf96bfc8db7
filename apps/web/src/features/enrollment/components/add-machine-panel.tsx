import { useId, useState } from 'react';
import type { CreatedEnrollmentToken } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { CreatedToken } from './created-token';
import { EnrollmentTokenForm } from './enrollment-token-form';
import { EnrollmentTokenList } from './enrollment-token-list';

/**
 * Adding a host: create an enrollment token, copy it (shown once) and the commands, run them on the host. The
 * token lives only in this component's state, so closing the panel forgets it.
 */
export function AddMachinePanel({ id, onClose }: { id: string; onClose: () => void }) {
  const headingId = useId();
  const [created, setCreated] = useState<CreatedEnrollmentToken>();

  return (
    <section id={id} className="card add-machine" aria-labelledby={headingId}>
      <div className="card-head">
        <h2 id={headingId}>Add a machine</h2>
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
      </div>
      <ol className="add-machine-steps">
        <li>Create an enrollment token below.</li>
        <li>On the host, install the Paddock agent beside gitlab-runner.</li>
        <li>Run the two commands Paddock shows with the token. The machine then appears in the list.</li>
      </ol>
      {created ? <CreatedToken created={created} onDone={() => setCreated(undefined)} /> : null}
      <h3>Create an enrollment token</h3>
      <EnrollmentTokenForm onCreated={setCreated} />
      <h3>Enrollment tokens</h3>
      <EnrollmentTokenList />
    </section>
  );
}
