import { useEffect, useRef, useState } from 'react';
import type { RegisterRunnerBody, RegistrationProgress, RunnerRegistration } from '@paddock/contracts';
import { useLiveConnection } from '../../../lib/live/live-context';
import { useRegisterRunner } from './register-runner';

export type RegistrationStep = RegistrationProgress['step'];
export type ReportedSteps = Partial<Record<RegistrationStep, RegistrationProgress>>;

/** A finished step stays finished: a late "started" for it must not turn it back. */
export function recordProgress(steps: ReportedSteps, progress: RegistrationProgress): ReportedSteps {
  const current = steps[progress.step];
  if (current && current.state !== 'started' && progress.state === 'started') return steps;
  return { ...steps, [progress.step]: progress };
}

export interface RegisterCallbacks {
  onSuccess?: (registration: RunnerRegistration) => void;
  onError?: (error: unknown) => void;
}

/**
 * Registers a runner and follows its steps on `/live`. The `registration:<id>` topic is subscribed to before the
 * request leaves, so not even the first step can be missed; it stays subscribed until the next attempt or until
 * the page goes, since the last events may arrive just after the answer.
 */
export function useRegistration() {
  const live = useLiveConnection();
  const mutation = useRegisterRunner();
  const [steps, setSteps] = useState<ReportedSteps>({});
  const stop = useRef<() => void>(undefined);
  useEffect(() => () => stop.current?.(), []);

  const register = (body: RegisterRunnerBody, callbacks: RegisterCallbacks = {}) => {
    stop.current?.();
    const registrationId = crypto.randomUUID();
    setSteps({});
    stop.current = live.subscribe(`registration:${registrationId}`, {
      onMessage: (message) => {
        if (message.type === 'registration') setSteps((s) => recordProgress(s, message.registration));
      },
    });
    mutation.mutate({ ...body, registrationId }, callbacks);
  };

  const reset = () => {
    stop.current?.();
    stop.current = undefined;
    setSteps({});
    mutation.reset();
  };

  return { register, reset, steps, mutation };
}
