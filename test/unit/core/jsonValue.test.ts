/** The guards every reader of outside JSON uses (server answers, webview messages, saved panel state). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finiteOrNull, isJsonObject } from '../../../src/core/jsonValue';

test('a JSON object is an object that is neither null nor an array', () => {
  assert.equal(isJsonObject({}), true);
  assert.equal(isJsonObject(JSON.parse('{"kind":"ready"}')), true);
  for (const v of [null, undefined, [], [1], 'x', 1, true]) assert.equal(isJsonObject(v), false, JSON.stringify(v));
});

test('a finite number passes; NaN, ±Infinity and non-numbers become null', () => {
  assert.equal(finiteOrNull(0), 0);
  assert.equal(finiteOrNull(-2.5), -2.5);
  for (const v of [Number.NaN, Infinity, -Infinity, '1', null, undefined, {}])
    assert.equal(finiteOrNull(v), null, String(v));
});
