/** Chat transcripts from JSON, JSON Lines and Markdown, and the one-line refusals of what is not one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTranscript } from '../../../src/core/transcript';

const EXPECTED = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi there.\nTwo lines.' },
  { role: 'assistant', content: 'Hello.' },
];

test('the same transcript as a JSON array, an object with messages, JSON Lines and Markdown', () => {
  assert.deepEqual(parseTranscript(JSON.stringify(EXPECTED)), EXPECTED);
  assert.deepEqual(parseTranscript(JSON.stringify({ model: 'x', messages: EXPECTED })), EXPECTED);
  assert.deepEqual(parseTranscript(EXPECTED.map((m) => JSON.stringify(m)).join('\n') + '\n\n'), EXPECTED);
  const md = 'System: Be brief.\n\n**User:** Hi there.\nTwo lines.\n\n## Assistant:\nHello.\n';
  assert.deepEqual(parseTranscript(md), EXPECTED);
  // OpenAI-style text parts are joined
  assert.deepEqual(
    parseTranscript(
      JSON.stringify([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
        { role: 'assistant', content: 'c' },
      ]),
    )[0].content,
    'ab',
  );
});

test('what is not a two-sided transcript gets one message naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['{"a": 1}', /neither an array of messages nor an object with "messages"/],
    ['[{"role": "robot", "content": "x"}]', /role "robot" \(message 1\); roles are user, assistant and system/],
    ['[{"role": "user", "content": 3}]', /content is not text \(message 1\)/],
    ['{"role": "user", "content": "a"}\n{"role": "assistant", "content": ', /line 2 is not valid JSON/],
    ['Hello\nUser: hi\nAssistant: yo', /text before its first turn \(line 1\)/],
    ['User: only one side', /has no assistant turn with text/],
    ['[]', /has no messages/],
  ];
  for (const [text, message] of cases)
    assert.throws(
      () => parseTranscript(text),
      (e: Error & { code?: string }) => e.code === 'bad-input' && message.test(e.message),
      text,
    );
});
