// A second window starting while the first saves its first password: reads each key file given, with no lock, from
// before it exists until it holds a whole key, and reports any time it found one there but not whole. Plain JS, so
// that it starts fast. Driven by fileSecrets.test.ts: it says which file it watches, the test then saves into it.
import { readFileSync } from 'node:fs';

const partial = [];
for (const [index, file] of process.argv.slice(2).entries()) {
  process.send({ watching: index });
  for (const until = Date.now() + 5000; Date.now() < until; ) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // Not there yet.
    }
    if (Buffer.from(text.trim(), 'base64').length === 32) break;
    partial.push(`${file}: ${JSON.stringify(text)}`);
    break;
  }
}
process.send({ partial }, () => process.exit(0));
