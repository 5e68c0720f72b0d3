/** The in-process bus: a Node `EventEmitter` under the `Bus` interface. */
import { EventEmitter } from 'node:events';
import { logger } from '../../observability/logger';
import type { Bus, BusListener } from './bus';
import type { LoggedEvent } from '../wire/events';

export class MemoryBus implements Bus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(events: readonly LoggedEvent[]): void {
    if (events.length === 0) return;
    try {
      this.emitter.emit('events', events);
    } catch (err) {
      // A listener's bug must not turn a committed write into a failed request.
      logger().error({ err }, 'a bus listener failed');
    }
  }

  subscribe(listener: BusListener): () => void {
    this.emitter.on('events', listener);
    return () => this.emitter.off('events', listener);
  }

  listenerCount(): number {
    return this.emitter.listenerCount('events');
  }
}
