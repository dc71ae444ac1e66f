/**
 * The repository stands on its own: every relative link in its Markdown points at a file or folder
 * inside it, and nothing cites a design document kept elsewhere (docs/architecture.md is ours).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((file) => file !== '' && existsSync(join(root, file)));
const textFiles = tracked.filter((file) => /\.(md|ts|mjs|js|json|sh|ya?ml)$/.test(file));

describe('the repository refers only to itself', () => {
  it('every relative Markdown link resolves inside the repository', () => {
    const broken: string[] = [];
    for (const file of tracked.filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        if (/^([a-z][a-z+.-]*:|#)/i.test(target!)) continue; // URLs, mailto:, in-page anchors
        const path = resolve(dirname(join(root, file)), decodeURI(target!.split('#')[0]!));
        if (relative(root, path).startsWith('..') || !existsSync(path)) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('no file cites ARCHITECTURE.md or a path outside the repository', () => {
    const outside = /ARCHITECTURE\.md|\/work\/|\/home\/[a-z]/;
    const self = relative(root, import.meta.filename); // this file names the patterns
    const found = textFiles.filter(
      (file) => file !== self && outside.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(found).toEqual([]);
  });
});
