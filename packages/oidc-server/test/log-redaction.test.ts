/** The log's second net: secret-named fields are replaced wherever our lines put them. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLog } from '../src/index.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLog({ destination }), lines };
}

describe('log redaction', () => {
  it('removes secret fields at the top level, in err, in an audit line and its details', () => {
    const { log, lines } = capture();
    log.info({ password: 'hunter2', email: 'ana@clinic.example' }, 'top');
    log.error({ err: { message: 'boom', clientSecret: 'cs-1' } }, 'error');
    log.info(
      {
        audit: { type: 'sign_in.succeeded', token: 't-1', details: { method: 'totp', recoveryCode: 'RC-1' } },
      },
      'audit',
    );
    const text = JSON.stringify(lines);
    for (const secret of ['hunter2', 'cs-1', 't-1', 'RC-1']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ password: '[redacted]', email: 'ana@clinic.example' });
    expect(lines[1]).toMatchObject({ err: { message: 'boom', clientSecret: '[redacted]' } });
    expect(lines[2]).toMatchObject({
      audit: {
        type: 'sign_in.succeeded',
        token: '[redacted]',
        details: { method: 'totp', recoveryCode: '[redacted]' },
      },
    });
  });
});
