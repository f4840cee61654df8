import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCsv, toJson } from '../../../src/core/exportFormats';
import {
  baseNameOf,
  decodePngDataUrl,
  MAX_PNG_DATA_URL,
  pngExport,
  resultExport,
} from '../../../src/extension/panel/panelExport';
import { plainResult } from './fixtures';

// The 8-byte PNG signature (PNG spec §5.2) followed by the start of an IHDR chunk.
const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

describe('panel export', () => {
  it('writes the same JSON and CSV as the CLI', () => {
    const r = plainResult();
    const json = resultExport(r, 'json', 'file:///home/u/notes.md');
    assert.equal(new TextDecoder().decode(json.bytes), toJson(r));
    assert.equal(json.fileName, 'notes.md.semantic-flow.json');
    assert.deepEqual(json.filters, { JSON: ['json'] });
    const csv = resultExport(r, 'csv', 'untitled:Untitled-1');
    assert.equal(new TextDecoder().decode(csv.bytes), toCsv(r));
    assert.equal(csv.fileName, 'Untitled-1.semantic-flow.csv');
  });

  it('proposes a file name that cannot leave the folder or carry markup', () => {
    assert.equal(baseNameOf('file:///a/b/my%20file.txt'), 'my-file.txt');
    assert.equal(baseNameOf('file:///a/..'), 'result');
    assert.equal(baseNameOf('file:///a/%2E%2E%2Fetc%2Fpasswd'), 'etc-passwd');
    assert.equal(baseNameOf('file:///a/%3Cimg%20src%3Dx%3E'), 'img-src-x-');
    assert.equal(baseNameOf('file:///a/%E0%A4%A'), 'E0-A4-A');
  });

  it('accepts a PNG data URL and returns its bytes', () => {
    const r = decodePngDataUrl(`data:image/png;base64,${PNG_HEAD.toString('base64')}`);
    assert.ok('bytes' in r);
    assert.deepEqual(Buffer.from(r.bytes), PNG_HEAD);
    assert.equal(pngExport('file:///x/a.md', r.bytes).fileName, 'a.md.semantic-flow.png');
  });

  it('refuses anything that is not a PNG data URL', () => {
    const err = (s: string) =>
      'error' in decodePngDataUrl(s) ? (decodePngDataUrl(s) as { error: string }).error : 'accepted';
    assert.equal(err('data:image/svg+xml;base64,PHN2Zz4='), 'The panel sent an image that is not a PNG data URL.');
    assert.equal(err('data:image/png;base64,@@@'), 'The chart image is not valid base64.');
    assert.equal(
      err(`data:image/png;base64,${Buffer.from('GIF89a....').toString('base64')}`),
      'The chart image does not start with a PNG signature.',
    );
    assert.equal(
      err(`data:image/png;base64,${'A'.repeat(MAX_PNG_DATA_URL)}`),
      'The chart image is larger than 32 MiB.',
    );
  });
});
