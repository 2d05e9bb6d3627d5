import { describe, expect, it } from '@jest/globals';
import { uniqueName } from './unique-name.js';

describe('uniqueName', () => {
  it('keeps a safe prefix and never repeats', () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueName('My-Topic')));
    expect(names.size).toBe(1000);
    for (const name of names) expect(name).toMatch(/^my_topic_[a-z0-9]+_[0-9a-f]{8}$/);
  });
});
