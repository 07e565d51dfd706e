import { scheduleCheckPendingRequests, type KafkajsRequestQueue } from './request-queue';

describe("kafkajs's request queue, scheduled only when it has something to check", () => {
  const queue = (state: { pending?: number; throttledForMs?: number }): KafkajsRequestQueue & { checks: number } => {
    const q = {
      throttledUntil: state.throttledForMs === undefined ? -1 : Date.now() + state.throttledForMs,
      throttleCheckTimeoutId: null,
      pending: Array.from({ length: state.pending ?? 0 }),
      checks: 0,
      checkPendingRequests() {
        q.checks++;
        q.scheduleCheckPendingRequests();
      },
      scheduleCheckPendingRequests,
    };
    return q;
  };

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('an empty queue that is not throttled schedules nothing (kafkajs 2.2.4 checked it every millisecond)', () => {
    const q = queue({});
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    jest.advanceTimersByTime(1000);
    expect(q.checks).toBe(0);
  });

  it('pending requests are checked after 10 ms, and again while they stay pending', () => {
    const q = queue({ pending: 2 });
    q.scheduleCheckPendingRequests();
    jest.advanceTimersByTime(9);
    expect(q.checks).toBe(0);
    jest.advanceTimersByTime(1);
    expect(q.checks).toBe(1);
    jest.advanceTimersByTime(10);
    expect(q.checks).toBe(2);
    q.pending = [];
    jest.advanceTimersByTime(1000);
    expect(q.checks).toBe(3);
  });

  it('a throttled queue is checked when the throttle ends, pending requests or not', () => {
    for (const pending of [0, 1]) {
      const q = queue({ pending, throttledForMs: 300 });
      q.scheduleCheckPendingRequests();
      jest.advanceTimersByTime(299);
      expect(q.checks).toBe(0);
      q.pending = [];
      jest.advanceTimersByTime(1);
      expect(q.checks).toBe(1);
      jest.advanceTimersByTime(1000);
      expect(q.checks).toBe(1);
    }
  });

  it('a check already scheduled is not scheduled twice', () => {
    const q = queue({ pending: 1 });
    q.scheduleCheckPendingRequests();
    q.scheduleCheckPendingRequests();
    jest.advanceTimersByTime(10);
    expect(q.checks).toBe(1);
  });
});
