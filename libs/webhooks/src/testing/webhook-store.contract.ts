import { randomUUID } from 'node:crypto';
import type { WebhookEndpoint } from '../endpoint';
import type { AttemptOutcome, NewDelivery, PendingDelivery, WebhookStore } from '../webhook-store.port';

export interface WebhookStoreSubject {
  store: WebhookStore;
  /** A second store on the same data, as another dispatcher instance would open it. */
  other: WebhookStore;
  dispose(): Promise<void>;
}

const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
const DAY = 86_400_000;

const endpointOf = (id: string, createdAt: string, over: Partial<WebhookEndpoint> = {}): WebhookEndpoint => ({
  id,
  url: `https://hooks.example.com/${id}`,
  events: ['TipPraised', 'OrderRefunded'],
  status: 'enabled',
  fromPosition: 0n,
  createdAt,
  secrets: [{ secret: SECRET }],
  ...over,
});

const deliveryOf = (endpointId: string, streamId: string, position: number, eventId = `${streamId}@${position}`): NewDelivery => ({
  endpointId,
  eventId,
  eventType: 'TipPraised',
  streamId,
  position: BigInt(position),
  body: JSON.stringify({ id: eventId, subject: streamId }),
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, position)).toISOString(),
});

const outcomeOf = (
  d: Pick<PendingDelivery, 'endpointId' | 'eventId' | 'eventType' | 'attempts'>,
  how: { ok: boolean; at: Date; retryAt?: Date; disableIfFailingSince?: Date },
): AttemptOutcome => ({
  endpointId: d.endpointId,
  eventId: d.eventId,
  succeeded: how.ok,
  ...(how.retryAt && { retryAt: how.retryAt }),
  disableIfFailingSince: how.disableIfFailingSince ?? new Date(how.at.getTime() - 3 * DAY),
  attempt: {
    eventId: d.eventId,
    type: d.eventType,
    attempt: d.attempts + 1,
    status: how.ok ? 'delivered' : how.retryAt ? 'retrying' : 'failed',
    at: how.at.toISOString(),
    responseStatus: how.ok ? 204 : 500,
  },
});

/**
 * What the dispatcher and the admin routes rely on, for every webhook store. `factory` runs before
 * each test. Queued deliveries are due at once (the store's clock); claims look a little ahead of it.
 */
export const describeWebhookStoreContract = (name: string, factory: () => Promise<WebhookStoreSubject>): void => {
  describe(`WebhookStore contract: ${name}`, () => {
    let subject: WebhookStoreSubject;
    let store: WebhookStore;
    const soon = () => new Date(Date.now() + 1_000);
    const lease = (from: Date) => new Date(from.getTime() + 60_000);
    const claimIds = async (now = soon(), limit = 100, on = store) => (await on.claim(now, limit, lease(now))).map((d) => d.eventId).sort();

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
      await store.migrate();
      await store.migrate();
    });

    afterEach(async () => {
      await subject?.dispose();
    });

    it('keeps endpoints: listed oldest first, read one by one, deleted once', async () => {
      await store.createEndpoint(endpointOf('ep-b', '2026-01-02T00:00:00.000Z', { description: 'shop', fromPosition: 41n }));
      await store.createEndpoint(endpointOf('ep-a', '2026-01-01T00:00:00.000Z'));
      expect((await store.endpoints()).map((e) => e.id)).toEqual(['ep-a', 'ep-b']);
      expect(await store.endpoint('ep-b')).toEqual(endpointOf('ep-b', '2026-01-02T00:00:00.000Z', { description: 'shop', fromPosition: 41n }));
      expect(await store.endpoint('nope')).toBeUndefined();
      expect(await store.deleteEndpoint('ep-b')).toBe(true);
      expect(await store.deleteEndpoint('ep-b')).toBe(false);
      expect((await store.endpoints()).map((e) => e.id)).toEqual(['ep-a']);
    });

    it('rotates a secret: the new one first, the old one until its overlap ends, older expired ones dropped', async () => {
      await store.createEndpoint(endpointOf('ep', '2026-01-01T00:00:00.000Z'));
      const retires = new Date(Date.now() + DAY);
      expect(await store.rotateSecret('ep', 'whsec_second', retires)).toBe(true);
      expect((await store.endpoint('ep'))!.secrets).toEqual([{ secret: 'whsec_second' }, { secret: SECRET, retiresAt: retires.toISOString() }]);
      // Rotated again with an overlap already over: only the newest stays.
      expect(await store.rotateSecret('ep', 'whsec_third', new Date(Date.now() - 1))).toBe(true);
      expect((await store.endpoint('ep'))!.secrets).toEqual([{ secret: 'whsec_third' }, { secret: SECRET, retiresAt: retires.toISOString() }]);
      expect(await store.rotateSecret('nope', 'whsec_x', retires)).toBe(false);
    });

    it('queues each delivery once and claims the head of each (endpoint, stream) queue, lowest position first', async () => {
      await store.createEndpoint(endpointOf('ep1', '2026-01-01T00:00:00.000Z'));
      await store.createEndpoint(endpointOf('ep2', '2026-01-01T00:00:01.000Z'));
      await store.enqueue([
        deliveryOf('ep1', 'wallet-a', 2),
        deliveryOf('ep1', 'wallet-a', 1),
        deliveryOf('ep1', 'wallet-b', 3),
        deliveryOf('ep2', 'wallet-a', 1),
      ]);
      await store.enqueue([deliveryOf('ep1', 'wallet-a', 1), deliveryOf('ghost-endpoint', 'wallet-a', 1)]);
      expect(await store.backlog()).toEqual({ pending: 4, oldestOccurredAt: '2026-01-01T00:00:01.000Z' });
      const claimed = await store.claim(soon(), 100, lease(soon()));
      expect(claimed.map((d) => `${d.endpointId} ${d.eventId}`).sort()).toEqual(['ep1 wallet-a@1', 'ep1 wallet-b@3', 'ep2 wallet-a@1']);
      expect(claimed.find((d) => d.endpointId === 'ep1' && d.streamId === 'wallet-a')).toEqual({
        ...deliveryOf('ep1', 'wallet-a', 1),
        attempts: 0,
        firstQueuedAt: expect.any(String),
      });
      expect(await claimIds()).toEqual([]);
    });

    it('claims at most the limit, earliest due first, and never the same head twice at once', async () => {
      await store.createEndpoint(endpointOf('ep', '2026-01-01T00:00:00.000Z'));
      await store.enqueue(Array.from({ length: 30 }, (_, i) => deliveryOf('ep', `wallet-${i}`, i + 1)));
      expect(await claimIds(soon(), 0)).toEqual([]);
      const now = soon();
      const [one, two, three] = await Promise.all([
        store.claim(now, 12, lease(now)),
        subject.other.claim(now, 12, lease(now)),
        subject.other.claim(now, 12, lease(now)),
      ]);
      const all = [...one, ...two, ...three].map((d) => d.eventId);
      expect(new Set(all).size).toBe(all.length);
      expect(all).toHaveLength(30);
      expect(one.length).toBeLessThanOrEqual(12);
    });

    it("leaves a busy endpoint's heads alone, unleased, and still claims the others up to the limit", async () => {
      await store.createEndpoint(endpointOf('busy', '2026-01-01T00:00:00.000Z'));
      await store.createEndpoint(endpointOf('free', '2026-01-01T00:00:01.000Z'));
      // The busy endpoint's heads fall due first.
      await store.enqueue(Array.from({ length: 5 }, (_, i) => deliveryOf('busy', `wallet-b${i}`, i + 1)));
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.enqueue(Array.from({ length: 3 }, (_, i) => deliveryOf('free', `wallet-f${i}`, i + 10)));
      const now = soon();
      const claimed = await store.claim(now, 2, lease(now), ['busy']);
      expect(claimed.map((d) => d.endpointId)).toEqual(['free', 'free']);
      expect(await claimIds(now, 100)).toEqual(['wallet-b0@1', 'wallet-b1@2', 'wallet-b2@3', 'wallet-b3@4', 'wallet-b4@5', 'wallet-f2@12']);
    });

    it('after delivered, the next of the stream is due; a lease held by a crashed dispatcher runs out', async () => {
      await store.createEndpoint(endpointOf('ep', '2026-01-01T00:00:00.000Z'));
      await store.enqueue([deliveryOf('ep', 'wallet-a', 1), deliveryOf('ep', 'wallet-a', 2), deliveryOf('ep', 'wallet-a', 5)]);
      const now = soon();
      const [first] = await store.claim(now, 10, new Date(now.getTime() + 30_000));
      expect(first!.eventId).toBe('wallet-a@1');
      // The claimer "crashes": nobody gets it while its lease runs, anyone after.
      expect(await claimIds(new Date(now.getTime() + 29_000), 10, subject.other)).toEqual([]);
      const again = await subject.other.claim(new Date(now.getTime() + 30_000), 10, lease(new Date(now.getTime() + 30_000)));
      expect(again.map((d) => d.eventId)).toEqual(['wallet-a@1']);
      expect(await store.record(outcomeOf(again[0]!, { ok: true, at: now }))).toEqual({ disabled: false });
      // Recorded once: the crashed claimer's late answer changes nothing.
      expect(await store.record(outcomeOf(first!, { ok: true, at: now }))).toEqual({ disabled: false });
      expect(await claimIds()).toEqual(['wallet-a@2']);
      expect(await store.backlog()).toEqual({ pending: 2, oldestOccurredAt: '2026-01-01T00:00:02.000Z' });
      expect(await store.attempts('ep', 10)).toEqual([
        { eventId: 'wallet-a@1', type: 'TipPraised', attempt: 1, status: 'delivered', at: now.toISOString(), responseStatus: 204 },
      ]);
    });

    it('retries: not due before its retry time, then again with its attempts counted; a later event waits for it', async () => {
      await store.createEndpoint(endpointOf('ep', '2026-01-01T00:00:00.000Z'));
      await store.enqueue([deliveryOf('ep', 'wallet-a', 1), deliveryOf('ep', 'wallet-a', 2), deliveryOf('ep', 'wallet-b', 3)]);
      const now = soon();
      const claimed = await store.claim(now, 10, lease(now));
      const a = claimed.find((d) => d.streamId === 'wallet-a')!;
      const retryAt = new Date(now.getTime() + 5_000);
      expect(await store.record(outcomeOf(a, { ok: false, at: now, retryAt }))).toEqual({ disabled: false });
      expect(await claimIds(new Date(retryAt.getTime() - 1))).toEqual([]);
      const retried = await store.claim(retryAt, 10, lease(retryAt));
      expect(retried).toEqual([expect.objectContaining({ eventId: 'wallet-a@1', attempts: 1 })]);
      // Given up: the stream moves on; the log holds both attempts, newest first.
      await store.record(outcomeOf(retried[0]!, { ok: false, at: retryAt }));
      expect(await claimIds(retryAt)).toEqual(['wallet-a@2']);
      expect((await store.attempts('ep', 10)).map((x) => `${x.eventId} ${x.attempt} ${x.status}`)).toEqual(['wallet-a@1 2 failed', 'wallet-a@1 1 retrying']);
      expect((await store.attempts('ep', 1)).length).toBe(1);
    });

    it('disables an endpoint failing for the disable window once, holds its queue, and sends it when enabled', async () => {
      await store.createEndpoint(endpointOf('ep', '2026-01-01T00:00:00.000Z'));
      await store.createEndpoint(endpointOf('fine', '2026-01-01T00:00:01.000Z'));
      await store.enqueue([deliveryOf('ep', 'wallet-a', 1), deliveryOf('ep', 'wallet-b', 2), deliveryOf('fine', 'wallet-a', 1)]);
      const t0 = soon();
      const [a, b] = (await store.claim(t0, 10, lease(t0))).filter((d) => d.endpointId === 'ep');
      expect(await store.record(outcomeOf(a!, { ok: false, at: t0, retryAt: t0 }))).toEqual({ disabled: false });
      expect((await store.endpoint('ep'))!.failingSince).toBe(t0.toISOString());
      const t1 = new Date(t0.getTime() + 3 * DAY);
      // Failing since t0, which is before t1 - 3 days + 1 ms: disabled, by this record only.
      const late = { ok: false, at: t1, retryAt: t1, disableIfFailingSince: new Date(t0.getTime() + 1) };
      expect(await store.record(outcomeOf(b!, late))).toEqual({ disabled: true });
      expect(await store.endpoint('ep')).toMatchObject({
        status: 'disabled',
        disabledAt: t1.toISOString(),
        disabledReason: `every delivery failed since ${t0.toISOString()}`,
        failingSince: t0.toISOString(),
      });
      const [again] = (await store.claim(t1, 10, lease(t1))).filter((d) => d.endpointId === 'ep');
      expect(again).toBeUndefined();
      expect(await store.backlog()).toMatchObject({ pending: 3 });
      expect(await store.enableEndpoint('ep')).toBe(true);
      expect(await store.enableEndpoint('nope')).toBe(false);
      const enabled = await store.endpoint('ep');
      expect(enabled).toMatchObject({ status: 'enabled' });
      expect(enabled).not.toHaveProperty('disabledAt');
      expect(enabled).not.toHaveProperty('failingSince');
      const sent = await store.claim(t1, 10, lease(t1));
      expect(sent.map((d) => d.eventId).sort()).toEqual(['wallet-a@1', 'wallet-b@2']);
      // A success ends a failing streak.
      await store.record(outcomeOf(sent[0]!, { ok: false, at: t1, retryAt: t1 }));
      expect((await store.endpoint('ep'))!.failingSince).toBe(t1.toISOString());
      await store.record(outcomeOf(sent[1]!, { ok: true, at: t1 }));
      expect((await store.endpoint('ep'))!.failingSince).toBeUndefined();
    });

    it('requeues a delivered event as new (a replay), ahead of what its stream has queued', async () => {
      await store.createEndpoint(endpointOf('ep', '2026-01-01T00:00:00.000Z'));
      await store.enqueue([deliveryOf('ep', 'wallet-a', 1)]);
      const [first] = await store.claim(soon(), 10, lease(soon()));
      await store.record(outcomeOf(first!, { ok: true, at: new Date() }));
      await store.enqueue([deliveryOf('ep', 'wallet-a', 1), deliveryOf('ep', 'wallet-a', 7)]);
      expect(await store.backlog()).toMatchObject({ pending: 1 });
      await store.requeue([deliveryOf('ep', 'wallet-a', 1)]);
      expect(await store.backlog()).toEqual({ pending: 2, oldestOccurredAt: '2026-01-01T00:00:01.000Z' });
      const replayed = await store.claim(soon(), 10, lease(soon()));
      expect(replayed).toEqual([expect.objectContaining({ eventId: 'wallet-a@1', attempts: 0 })]);
      await store.record(outcomeOf(replayed[0]!, { ok: true, at: new Date() }));
      expect(await claimIds()).toEqual(['wallet-a@7']);
    });

    it('forgets a deleted endpoint with its queue and log; an attempt recorded after records nothing', async () => {
      await store.createEndpoint(endpointOf('ep', '2026-01-01T00:00:00.000Z'));
      await store.createEndpoint(endpointOf('kept', '2026-01-01T00:00:01.000Z'));
      await store.enqueue([deliveryOf('ep', 'wallet-a', 1), deliveryOf('ep', 'wallet-a', 2), deliveryOf('kept', 'wallet-a', 1)]);
      const [claimed] = (await store.claim(soon(), 10, lease(soon()))).filter((d) => d.endpointId === 'ep');
      await store.record(outcomeOf(claimed!, { ok: false, at: new Date(), retryAt: new Date() }));
      expect(await store.deleteEndpoint('ep')).toBe(true);
      expect(await store.record(outcomeOf({ ...claimed!, attempts: 1 }, { ok: false, at: new Date() }))).toEqual({ disabled: false });
      expect(await store.attempts('ep', 10)).toEqual([]);
      expect(await store.backlog()).toEqual({ pending: 1, oldestOccurredAt: '2026-01-01T00:00:01.000Z' });
      await store.enqueue([deliveryOf('ep', 'wallet-a', 3)]);
      expect(await claimIds(new Date(Date.now() + 120_000))).toEqual(['wallet-a@1']);
    });

    it('keeps the head when a record races a queueing of the same stream (nothing stranded)', async () => {
      await store.createEndpoint(endpointOf('ep', '2026-01-01T00:00:00.000Z'));
      let position = 1;
      await store.enqueue([deliveryOf('ep', 'wallet-a', position)]);
      for (let round = 0; round < 15; round++) {
        const [head] = await store.claim(soon(), 10, lease(soon()));
        expect(head).toBeDefined();
        position++;
        await Promise.all([
          store.record(outcomeOf(head!, { ok: true, at: new Date() })),
          subject.other.enqueue([deliveryOf('ep', 'wallet-a', position, `e-${randomUUID()}`)]),
        ]);
      }
      expect(await store.backlog()).toMatchObject({ pending: 1 });
      expect(await store.claim(soon(), 10, lease(soon()))).toHaveLength(1);
    });
  });
};
