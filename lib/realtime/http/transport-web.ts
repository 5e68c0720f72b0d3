/**
 * The portable transport: a Web `ReadableStream` response, as a Next route handler (or any
 * Fetch-API runtime) returns it. Backpressure is the stream's own: `desiredSize` counts frames
 * against a high-water mark, and `pull` (the consumer read) flushes the connection's queue.
 * Cleanup runs once, from whichever comes first: the request's abort signal or `cancel`.
 */
import type { Connection, Transport } from '../hub/connection';
import type { Hub, OpenParams } from '../hub/hub';
import { SSE_HEADERS } from '../wire/sse';

/** Frames the Web stream buffers before the connection's own queue takes over. */
const HIGH_WATER_MARK = 64;

/** Opens a stream on `hub` and returns the SSE response; the hub must have admitted it already. */
export function openWebStream(hub: Hub, params: Omit<OpenParams, 'transport'>, signal: AbortSignal): Response {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let conn: Connection | undefined;
  const onAbort = () => conn?.close('client');
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        conn?.flush();
      },
      cancel() {
        conn?.close('client');
      },
    },
    { highWaterMark: HIGH_WATER_MARK },
  );
  const transport: Transport = {
    kind: 'route',
    write(chunk) {
      try {
        controller.enqueue(chunk);
      } catch {
        conn?.close('client'); // the consumer went away between checks
      }
    },
    capacity: () => controller.desiredSize ?? 0,
    end() {
      signal.removeEventListener('abort', onAbort);
      let queued: boolean;
      try {
        if (signal.aborted) return controller.error(new Error('the client went away')); // nothing left to deliver
        queued = (controller.desiredSize ?? HIGH_WATER_MARK) < HIGH_WATER_MARK;
        controller.close();
      } catch {
        return; // already closed or cancelled
      }
      if (!queued) return; // nothing queued: it ends at once
      // Frames still queued for a client that stopped reading would hold the response forever:
      // erroring the stream discards them and makes the server drop the connection.
      const timer = setTimeout(() => {
        // desiredSize is null once errored and 0 once closed (everything read); otherwise frames are still queued.
        if (controller.desiredSize === null || controller.desiredSize === 0) return;
        hub.stats.writeTimedOut();
        try {
          controller.error(new Error('write timeout: the client stopped reading'));
        } catch {
          // closed meanwhile
        }
      }, hub.options.writeTimeoutMs ?? 30_000);
      timer.unref?.();
    },
  };
  conn = hub.open({ ...params, transport });
  if (signal.aborted) conn.close('client');
  else signal.addEventListener('abort', onAbort, { once: true });
  return new Response(stream, { status: 200, headers: SSE_HEADERS });
}
