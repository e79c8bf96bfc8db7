import { useEffect, useState } from 'react';

/** "45 seconds", "3 minutes": a wait as people say it, rounded up. */
export function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

export interface ThrottleNoticeProps {
  /** How long the API asked to wait. */
  seconds: number;
  /** Called when the wait is over. */
  onDone: () => void;
}

/**
 * Too many failed sign-ins: says how long to wait and counts down. The alert is announced once; the countdown
 * inside it is not re-read every second.
 */
export function ThrottleNotice({ seconds, onDone }: ThrottleNoticeProps) {
  const [left, setLeft] = useState(seconds);
  useEffect(() => {
    const timer = setInterval(() => setLeft((value) => Math.max(0, value - 1)), 1000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (left === 0) onDone();
  }, [left, onDone]);
  return (
    <div className="form-error" role="alert">
      <p>
        <strong>Too many failed sign-ins.</strong> For your account's safety, Paddock waits before it accepts
        another try. Try again in <span aria-live="off">{formatWait(left)}</span>.
      </p>
    </div>
  );
}
