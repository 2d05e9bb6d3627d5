import type { SimulatedContact } from './contact-pool.js';
import type { Random } from './random.js';
import type { TimedEvent } from './timeline.js';

/** `contact.created` for the first version of each contact, then `contact.updated` for each later one. */
export function simulateContactEvents(random: Random, contacts: readonly SimulatedContact[]): TimedEvent[] {
  return contacts.flatMap((contact) =>
    contact.versions.map((version, index) => ({
      topic: index === 0 ? 'contact.created' : 'contact.updated',
      at: version.at + random.int(20, 400),
      // The full Person each time: the likeliest shape (spec §3.7); receivers merge either way.
      data: { ...version.person },
    })),
  );
}
