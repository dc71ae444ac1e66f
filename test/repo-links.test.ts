/**
 * The repository stands on its own: every relative link in its Markdown points at a file or folder
 * inside it, every Markdown file named anywhere is one of its own (the design notes are docs/architecture.md),
 * and no path points into a folder outside it.
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

  it('every Markdown file a file names exists in the repository, and no path points into a home or work folder', () => {
    const names = new Set(tracked.filter((f) => f.endsWith('.md')).map((f) => f.split('/').at(-1)));
    const outsideRoots = ['work', 'home', 'Users'].map((dir) => `/${dir}/`);
    const found: string[] = [];
    for (const file of textFiles) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const [name] of text.matchAll(/\b[\w-]+\.md\b/g))
        if (!names.has(name)) found.push(`${file}: ${name}`);
      for (const dir of outsideRoots) if (text.includes(dir)) found.push(`${file}: ${dir}`);
    }
    expect(found).toEqual([]);
  });
});
