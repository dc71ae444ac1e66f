// Keeps the import arrows of docs/architecture.md one-way: every bare import in a
// package's src/ must be a Node built-in or a name on that package's allow-list.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const allowed = {
  'packages/core': [
    'otplib',
    '@otplib/core',
    '@otplib/plugin-crypto-node',
    '@otplib/plugin-base32-scure',
    'zod',
    'qrcode',
    'libphonenumber-js',
    'ua-parser-js',
    '@node-rs/argon2',
    '@simplewebauthn/server',
  ],
  'packages/store-mongoose': ['@twostep/core', 'mongoose'],
  'packages/oidc-server': [
    '@twostep/core',
    'oidc-provider',
    'express',
    'passport',
    'passport-local',
    'helmet',
    'nodemailer',
    'pino',
    'pino-http',
    'pino-pretty',
    'prom-client',
    'intl-messageformat',
    '@formatjs/intl-localematcher',
  ],
  'packages/express-mfa': ['openid-client', 'jose', 'express'],
  'packages/server': ['@twostep/core', '@twostep/oidc-server', '@twostep/store-mongoose', 'yaml'],
  'apps/demo': [
    '@twostep/core',
    '@twostep/store-mongoose',
    '@twostep/oidc-server',
    '@twostep/express-mfa',
    'express',
  ],
};

const builtins = new Set(builtinModules);
const importRe =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(m?[jt]s|tsx)$/.test(name)) yield path;
  }
}

const packageName = (spec) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];

const violations = [];
for (const [pkg, allow] of Object.entries(allowed)) {
  let files;
  try {
    files = [...sourceFiles(join(pkg, 'src'))];
  } catch {
    continue;
  }
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(importRe)) {
      const spec = match[1] ?? match[2];
      if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
      if (!allow.includes(packageName(spec)))
        violations.push(`${file}: imports '${spec}', not allowed in ${pkg}`);
    }
  }
}

if (violations.length > 0) {
  console.error(`Import arrows broken (see docs/architecture.md):\n  ${violations.join('\n  ')}`);
  process.exit(1);
}
console.log(`import arrows ok (${Object.keys(allowed).length} packages checked)`);
