import type { TimerStore } from '../timers/timer-store.port';

export interface TimerStoreSubject {
  store: TimerStore;
  /** Stores a timer the way the store did before timers kept their cause (v1). */
  scheduleAsV1(id: string, dueAt: Date): Promise<void>;
  dispose(): Promise<void>;
}

const at = (iso: string) => new Date(iso);

/** What the expiry scheduler relies on, for every timer store. `factory` runs before each test. */
export const describeTimerStoreContract = (name: string, factory: () => Promise<TimerStoreSubject>): void => {
  describe(`TimerStore contract: ${name}`, () => {
    let subject: TimerStoreSubject;
    let timers: TimerStore;

    beforeEach(async () => {
      subject = await factory();
      timers = subject.store;
    });

    afterEach(async () => {
      await subject?.dispose();
    });

    it('answers the timers due at or before now, earliest first, up to the limit', async () => {
      await timers.schedule('red-packet:c', at('2026-03-01T10:00:03.000Z'));
      await timers.schedule('red-packet:a', at('2026-03-01T10:00:01.000Z'));
      await timers.schedule('red-packet:b', at('2026-03-01T10:00:02.123Z'));
      await timers.schedule('red-packet:later', at('2026-03-02T00:00:00.000Z'));
      expect(await timers.due(at('2026-03-01T10:00:00.999Z'), 10)).toEqual([]);
      expect(await timers.due(at('2026-03-01T10:00:03.000Z'), 10)).toEqual([
        { id: 'red-packet:a', dueAt: at('2026-03-01T10:00:01.000Z') },
        { id: 'red-packet:b', dueAt: at('2026-03-01T10:00:02.123Z') },
        { id: 'red-packet:c', dueAt: at('2026-03-01T10:00:03.000Z') },
      ]);
      expect((await timers.due(at('2026-03-01T12:00:00.000Z'), 2)).map((t) => t.id)).toEqual(['red-packet:a', 'red-packet:b']);
    });

    it('moves a timer scheduled again, and forgets a cancelled one (cancelling twice is harmless)', async () => {
      await timers.schedule('t', at('2026-03-01T10:00:00.000Z'));
      await timers.schedule('t', at('2026-03-01T11:00:00.000Z'));
      expect(await timers.due(at('2026-03-01T10:30:00.000Z'), 10)).toEqual([]);
      expect(await timers.due(at('2026-03-01T11:00:00.000Z'), 10)).toEqual([{ id: 't', dueAt: at('2026-03-01T11:00:00.000Z') }]);
      await timers.cancel('t');
      await timers.cancel('t');
      await timers.cancel('never-scheduled');
      expect(await timers.due(at('2027-01-01T00:00:00.000Z'), 10)).toEqual([]);
    });

    it("keeps a timer's cause, replaces it when scheduled again, and forgets it with the timer", async () => {
      const cause = { correlationId: 'corr-send', causationId: 'escrowed-event-id' };
      await timers.schedule('red-packet:a', at('2026-03-01T10:00:00.000Z'), cause);
      await timers.schedule('red-packet:b', at('2026-03-01T10:00:01.000Z'));
      expect(await timers.due(at('2026-03-01T11:00:00.000Z'), 10)).toEqual([
        { id: 'red-packet:a', dueAt: at('2026-03-01T10:00:00.000Z'), cause },
        { id: 'red-packet:b', dueAt: at('2026-03-01T10:00:01.000Z') },
      ]);
      const other = { correlationId: 'corr-2', causationId: 'event-2' };
      await timers.schedule('red-packet:b', at('2026-03-01T10:00:01.000Z'), other);
      await timers.schedule('red-packet:a', at('2026-03-01T10:00:00.000Z'));
      expect(await timers.due(at('2026-03-01T11:00:00.000Z'), 10)).toEqual([
        { id: 'red-packet:a', dueAt: at('2026-03-01T10:00:00.000Z') },
        { id: 'red-packet:b', dueAt: at('2026-03-01T10:00:01.000Z'), cause: other },
      ]);
      await timers.cancel('red-packet:b');
      await timers.schedule('red-packet:b', at('2026-03-01T10:00:01.000Z'));
      expect((await timers.due(at('2026-03-01T11:00:00.000Z'), 10))[1]).toEqual({ id: 'red-packet:b', dueAt: at('2026-03-01T10:00:01.000Z') });
    });

    it('still answers a timer stored before timers kept their cause, without one', async () => {
      await subject.scheduleAsV1('red-packet:old', at('2026-03-01T10:00:00.000Z'));
      await timers.schedule('red-packet:new', at('2026-03-01T10:00:01.000Z'), { correlationId: 'c', causationId: 'e' });
      expect(await timers.due(at('2026-03-01T11:00:00.000Z'), 10)).toEqual([
        { id: 'red-packet:old', dueAt: at('2026-03-01T10:00:00.000Z') },
        { id: 'red-packet:new', dueAt: at('2026-03-01T10:00:01.000Z'), cause: { correlationId: 'c', causationId: 'e' } },
      ]);
      expect((await timers.due(at('2026-03-01T11:00:00.000Z'), 10))[0]).not.toHaveProperty('cause');
    });

    it("tells its own clock when it has one (the server's: one for every replica), close to this machine's here", async () => {
      if (!timers.now) return;
      const before = Date.now();
      const now = (await timers.now()).getTime();
      expect(Math.abs(now - before)).toBeLessThan(5_000);
    });
  });
};
