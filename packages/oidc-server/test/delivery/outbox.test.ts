import type { Notification } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { createMailOutbox, createSmsOutbox } from '../../src/delivery/index.ts';

const notification = (reason: string): Notification => ({
  kind: 'two_step_reset',
  to: { staffId: 's1', email: 'carol@clinic.example', name: 'Carol' },
  clinicName: 'Maple Physio',
  params: { actor: 'Bob', reason },
});

describe('createSmsOutbox', () => {
  it('keeps the last N texts, newest first', async () => {
    const outbox = createSmsOutbox({ limit: 2 });
    for (const code of ['111111', '222222', '333333'])
      await outbox.send({ to: '+15555550123', body: `Your code is ${code}` });
    const list = outbox.list();
    expect(list.map((m) => m.body)).toEqual(['Your code is 333333', 'Your code is 222222']);
    expect(list[0]?.at).toBeInstanceOf(Date);
    outbox.clear();
    expect(outbox.list()).toEqual([]);
  });

  it('rejects a silly limit', () => {
    expect(() => createSmsOutbox({ limit: 0 })).toThrow(RangeError);
    expect(() => createMailOutbox({ limit: 501 })).toThrow(RangeError);
  });
});

describe('createMailOutbox', () => {
  it('keeps the last N rendered emails, newest first', async () => {
    const outbox = createMailOutbox({ limit: 2 });
    for (const reason of ['one', 'two', '<three>']) await outbox.notify(notification(reason));
    const list = outbox.list();
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({
      kind: 'two_step_reset',
      to: 'carol@clinic.example',
      subject: '[Maple Physio] 2-Step Verification reset',
    });
    expect(list[0]?.text).toContain('Reason given: <three>');
    expect(list[0]?.html).toContain('Reason given: &lt;three&gt;');
    expect(list[1]?.text).toContain('Reason given: two');
    expect(list[0]?.at).toBeInstanceOf(Date);
    // A copy: a page cannot change the outbox.
    list.pop();
    expect(outbox.list()).toHaveLength(2);
  });
});
