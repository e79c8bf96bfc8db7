import type { CreatedApiToken as CreatedApiTokenType } from '@paddock/contracts';
import { CopyButton } from '../../../components/ui/copy-button';
import { SecretValue, ShownOnce } from '../../../components/ui/shown-once';

/** How a script uses a token, against this Paddock. */
export function curlExample(origin: string, token: string): string {
  return `curl -H "Authorization: Bearer ${token}" ${origin}/api/v1/machines`;
}

/** The new token, shown once, with a request to try it. */
export function CreatedApiToken({ created, onDone }: { created: CreatedApiTokenType; onDone: () => void }) {
  const example = curlExample(window.location.origin, created.token);
  return (
    <ShownOnce
      title={`API token “${created.name}” created`}
      warning="Copy the token now. Paddock keeps only a hash of it and cannot show it again."
      onDone={onDone}
    >
      <SecretValue label="API token" value={created.token} what="token" />
      <p>
        Send it in the <code>Authorization</code> header. For example, to list the machines:
      </p>
      <pre className="code-block" aria-label="Example request" tabIndex={0}>
        <code>{example}</code>
      </pre>
      <div className="copy-row">
        <CopyButton text={example} what="example" />
      </div>
    </ShownOnce>
  );
}
