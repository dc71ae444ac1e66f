export const usage = `Usage: twostep <command> [options]

Settings (every command): flags over environment (TWOSTEP_*) over --config FILE (YAML or JSON) over
defaults. Every setting, its variable and its flag: docs/configuration.md.

Commands:
  serve [--dev] [--print-config] [--config FILE] [--<setting> <value>...]
      Runs the identity server: sign-in, account page, admin console, provisioning API.
      Refuses to start on an unsafe configuration (one line per problem) unless --dev.
      --print-config prints the effective settings (secrets redacted) and exits.
  db init [--ttl-indexes]
      Creates the collections and indexes (idempotent). --ttl-indexes on real MongoDB (not FerretDB).
  db migrate [--ttl-indexes]
      Brings the database to this version's schema (version stored in the database; idempotent).
      A server refuses to start on a database newer than it knows. Run once before an upgrade.
  clinic create --name <name> --owner-email <email> --owner-name <name> [--time-zone <zone>]
                [--country <CC>] [--no-enforce] [--no-email] [--json]
      Creates a clinic (2-Step enforced unless --no-enforce) and its first Full Access User, prints a
      one-time welcome link, and emails it to them when email.delivery is smtp (unless --no-email).
      --time-zone (IANA, e.g. America/Toronto) and --country (for phone numbers, e.g. CA): the
      clinic's own, instead of the server's timeZone and phoneCountry; the email's times use the zone.
  staff welcome-link --email <email> [--json]
      A new welcome link for a staff member (e.g. the first one expired).
  client register --name <name> --redirect-uri <uri>... [--post-logout-redirect-uri <uri>...]
                  [--backchannel-logout-uri <uri>]
                  [--auth-method client_secret_basic|client_secret_post|private_key_jwt|none | --public]
                  [--jwks <file> | --jwks-uri <url>] [--first-party] [--id <id>] 
  client register --name <name> --provisioning --clinic <clinic id> [--id <id>]
      Stores a client in the database: every running server accepts it at once. Prints its
      metadata with the new secret (shown once). Without mongodb.uri: prints an entry for the
      config file's \`clients\` instead. --provisioning: an admin API client for one clinic.
  client list [--json]
  client update --id <id> [--name …] [--redirect-uri …] [--post-logout-redirect-uri …]
                [--backchannel-logout-uri …] [--first-party |
                --not-first-party] [--auth-method …] [--jwks … | --jwks-uri …] [--new-secret]
  client disable --id <id>     client enable --id <id>
      Take effect at every running server on its next request.
  keys init --dir <dir>
      Creates a key set in <dir> (mode 0700): signing (RS256 and ES256), cookie, secret-box and
      hash keys, one file each (mode 0600). Refuses to overwrite. Back it up with the database (docs/keys.md).
  keys list [--dir <dir>]
      The key ids of each kind, the one in use first. Never prints a key.
  keys publish --kind <kind> [--alg RS256|ES256|EdDSA] [--dir <dir>]
      Rotation phase 1: adds a new key that every process accepts but none uses yet. Prints its id.
      (--alg: signing keys only; default RS256.)
  keys promote --kind <kind> --id <id> [--dir <dir>]
      Phase 2, once every process has reloaded (kill -HUP): the key <id> is the one in use.
  keys retire --kind <kind> --id <id> [--dir <dir>]
      Phase 3, once nothing made with the old key is still valid: removes key <id>.
      A secret-box key is only removed when no authenticator secret is still sealed with it.
  keys reencrypt [--dir <dir>]
      Re-seals every stored authenticator secret with the secret-box key in use (needs mongodb.uri).
      Prints counts; safe to stop and run again.
      <kind>: signing, cookie, secret-box, hash. <dir> defaults to keys.dir (TWOSTEP_KEYS_DIR).
`;
