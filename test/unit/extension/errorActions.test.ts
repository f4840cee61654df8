/** What the user sees per error code: one message, one action; cancellation is silent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userFacingError } from '../../../src/extension/errorActions';

test('cancelled is never shown', () => {
  assert.equal(userFacingError('cancelled', 'The analysis was cancelled.'), null);
});

test('model problems offer Select Model; too-large opens its setting; internal points to the log', () => {
  assert.deepEqual(userFacingError('model-not-found', 'Model folder not found: /x.'), {
    severity: 'error',
    message: 'Model folder not found: /x.',
    action: 'Select Model',
  });
  assert.deepEqual(userFacingError('too-large', 'big'), {
    severity: 'warning',
    message: 'big',
    action: 'Open Settings',
    settingsQuery: 'semanticFlow.maxInputBytes',
  });
  assert.deepEqual(userFacingError('internal', 'x is undefined\n    at f (a.js:1)'), {
    severity: 'error',
    message: 'Semantic Flow failed unexpectedly: x is undefined See the Semantic Flow log for details.',
    action: 'Show Log',
  });
  assert.equal(userFacingError('protocol-mismatch', 'p')?.action, 'Restart Engine');
  assert.equal(userFacingError('server-unreachable', 's')?.action, 'Connect to Server');
});
