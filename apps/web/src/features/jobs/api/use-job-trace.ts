import { useEffect, useState } from 'react';
import { useLiveConnection } from '../../../lib/live/live-context';
import { TraceDocument } from '../trace/trace-document';
import { appendPiece } from '../trace/trace-feed';

export interface JobTrace {
  doc: TraceDocument;
  /** grows with the document, for `TraceView` to redraw */
  version: number;
  /** the job has ended: its log will not grow (any bytes still missing are being fetched) */
  ended: boolean;
  /** ended, and every byte of the log is here */
  complete: boolean;
  /** why the log could not be read just now; cleared by the next piece */
  error: string | null;
}

/** Draws at most once a frame: a long log arrives in many small pieces, and each redraw walks every line. */
function frameScheduler(run: () => void): { schedule: () => void; cancel: () => void } {
  const raf = typeof requestAnimationFrame === 'function';
  let pending: number | ReturnType<typeof setTimeout> | undefined;
  return {
    schedule() {
      if (pending !== undefined) return;
      const fire = () => {
        pending = undefined;
        run();
      };
      pending = raf ? requestAnimationFrame(fire) : setTimeout(fire, 16);
    },
    cancel() {
      if (pending === undefined) return;
      if (raf) cancelAnimationFrame(pending as number);
      else clearTimeout(pending);
      pending = undefined;
    },
  };
}

/**
 * A job's log over `/live` (`trace:<jobId>`). The subscription says how many bytes are held, so after a
 * reconnect the server sends only what follows; pieces already held are skipped, and a piece beyond the end (a
 * gap) makes it ask again from there. Render the caller with `key={jobId}`: one document per job.
 */
export function useJobTrace(jobId: string): JobTrace {
  const live = useLiveConnection();
  const [doc] = useState(() => new TraceDocument());
  const [version, setVersion] = useState(0);
  const [endSize, setEndSize] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const topic = `trace:${jobId}` as const;
    const redraw = frameScheduler(() => setVersion((v) => v + 1));
    const stop = live.subscribe(topic, {
      offset: () => doc.size,
      onMessage: (message) => {
        if (message.type === 'trace') {
          const result = appendPiece(doc, message.offset, message.data);
          if (result === 'gap') live.resubscribe(topic);
          else if (result === 'appended') {
            setError(null);
            redraw.schedule();
          }
        } else if (message.type === 'traceEnd') {
          setEndSize(message.size);
          // The end came before the last bytes (they were lost with a connection): ask for the rest.
          if (message.size > doc.size) live.resubscribe(topic);
        } else if (message.type === 'traceError') {
          setError(message.message);
        }
      },
    });
    return () => {
      stop();
      redraw.cancel();
    };
  }, [live, jobId, doc]);

  // `version` changes whenever `doc.size` does, so this is read fresh on every redraw.
  const ended = endSize !== null;
  return { doc, version, ended, complete: ended && doc.size >= endSize, error };
}
