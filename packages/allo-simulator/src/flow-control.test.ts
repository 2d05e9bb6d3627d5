import { describe, expect, it } from '@jest/globals';
import { createPacer, createSlots } from './flow-control.js';

describe('createSlots', () => {
  it('admits at most `max` holders and hands slots over first come, first served', async () => {
    const slots = createSlots(2);
    const order: number[] = [];
    await slots.acquire();
    await slots.acquire();
    const third = slots.acquire().then(() => order.push(3));
    const fourth = slots.acquire().then(() => order.push(4));
    await Promise.resolve();
    expect(order).toEqual([]);
    slots.release();
    slots.release();
    await Promise.all([third, fourth]);
    expect(order).toEqual([3, 4]);
  });
});

describe('createPacer', () => {
  it('spaces dispatches 1000/rate ms apart on the injected clock', async () => {
    let time = 0;
    const starts: number[] = [];
    const pace = createPacer(
      50,
      () => time,
      (ms) => {
        time += ms;
        return Promise.resolve();
      },
    );
    for (let i = 0; i < 5; i++) {
      await pace();
      starts.push(time);
    }
    expect(starts).toEqual([0, 20, 40, 60, 80]);
  });

  it('catches up after a short stall but not after a long one', async () => {
    let time = 0;
    const sleep = (ms: number) => {
      time += ms;
      return Promise.resolve();
    };
    const pace = createPacer(100, () => time, sleep);
    await pace(); // due at 0
    time = 25; // stalled: the next two are overdue and go at once
    await pace();
    await pace();
    expect(time).toBe(25);
    await pace(); // due at 30
    expect(time).toBe(30);
    time = 1000; // a long stall does not cause a burst of 97
    await pace();
    await pace();
    await pace();
    await pace();
    await pace();
    await pace();
    await pace();
    expect(time).toBeGreaterThan(1000);
  });

  it('never waits without a rate', async () => {
    const pace = createPacer(
      undefined,
      () => 0,
      () => Promise.reject(new Error('slept')),
    );
    await expect(pace()).resolves.toBeUndefined();
  });
});
