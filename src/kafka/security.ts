import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { KafkaSecurityError } from '../errors.js';

/** What a secret prints as, wherever it ends up (logs, JSON, errors, `util.inspect`). */
export const REDACTED = '[redacted]';

/** The environment variable read for the SASL password when no password source is set. */
export const DEFAULT_PASSWORD_ENV = 'LATENTFLOW_KAFKA_PASSWORD';

/**
 * A secret given inline (YAML or a library call). It prints as {@link REDACTED} in every form a logger,
 * `JSON.stringify` or a template string would use, so a params object can be logged without leaking it;
 * only {@link Secret.reveal} gives the text, and only the connection code calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

const secretText = z
  .string()
  .min(1)
  .transform((s) => new Secret(s));

/** True when at most one of `keys` is set on `o`. */
function atMostOne(keys: string[]): (o: Record<string, unknown>) => boolean {
  return (o) => keys.filter((k) => o[k] !== undefined).length <= 1;
}

/** SASL authentication: the mechanism, the user and where the password comes from (at most one source). */
export const saslParams = z
  .strictObject({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).describe('SASL mechanism: plain (send over TLS only), scram-sha-256 or scram-sha-512'),
    username: z.string().min(1).describe('SASL user name'),
    password: secretText.optional().describe('The password itself (prefer passwordEnv or passwordFile: pipeline files get shared)'),
    passwordEnv: z.string().min(1).optional().describe(`Environment variable holding the password (when no source is set: ${DEFAULT_PASSWORD_ENV})`),
    passwordFile: z.string().min(1).optional().describe('File holding the password, read at connect time (one trailing newline is dropped)'),
  })
  .refine(atMostOne(['password', 'passwordEnv', 'passwordFile']), { message: 'set at most one of password, passwordEnv, passwordFile' });

/**
 * TLS to the brokers. The block's presence turns TLS on (`tls: {}` trusts Node's root CAs and verifies
 * the broker's certificate and host name). Each PEM comes inline or from a file, not both.
 */
export const tlsParams = z
  .strictObject({
    ca: z.string().min(1).optional().describe("CA bundle (PEM) trusted for the broker certificates, instead of Node's root CAs"),
    caFile: z.string().min(1).optional().describe('File holding the CA bundle (PEM)'),
    cert: z.string().min(1).optional().describe('Client certificate (PEM) for mutual TLS; needs key'),
    certFile: z.string().min(1).optional().describe('File holding the client certificate (PEM)'),
    key: secretText.optional().describe('Client private key (PEM) for mutual TLS (prefer keyFile)'),
    keyFile: z.string().min(1).optional().describe('File holding the client private key (PEM)'),
    passphrase: secretText.optional().describe('Passphrase of an encrypted key (prefer passphraseEnv or passphraseFile)'),
    passphraseEnv: z.string().min(1).optional().describe('Environment variable holding the key passphrase'),
    passphraseFile: z.string().min(1).optional().describe('File holding the key passphrase'),
    rejectUnauthorized: z.boolean().default(true).describe('Verify the broker certificate chain; false only for tests (anyone in the path can then read the traffic)'),
    verifyHostname: z.boolean().default(true).describe('Check that the broker certificate names the host dialled (or servername)'),
    servername: z.string().min(1).optional().describe('Name sent as SNI and checked against the certificate, when brokers are dialled by another name or an IP'),
  })
  .refine(atMostOne(['ca', 'caFile']), { message: 'set ca or caFile, not both' })
  .refine(atMostOne(['cert', 'certFile']), { message: 'set cert or certFile, not both' })
  .refine(atMostOne(['key', 'keyFile']), { message: 'set key or keyFile, not both' })
  .refine(atMostOne(['passphrase', 'passphraseEnv', 'passphraseFile']), { message: 'set at most one of passphrase, passphraseEnv, passphraseFile' })
  .refine((t) => (t.cert === undefined && t.certFile === undefined) === (t.key === undefined && t.keyFile === undefined), {
    message: 'mutual TLS needs both a client certificate (cert/certFile) and its key (key/keyFile)',
  });

/** Security params spread into every Kafka connection (stages and the monitor), so they are declared once. */
export const kafkaSecurityParams = {
  sasl: saslParams.optional().describe('SASL authentication (PLAIN or SCRAM); combine with tls for SASL_SSL'),
  tls: tlsParams.optional().describe('TLS to the brokers (CA bundle, client certificate for mTLS); hostname verification on by default'),
};

/** Validated security params. */
export interface KafkaSecurity {
  sasl?: z.output<typeof saslParams>;
  tls?: z.output<typeof tlsParams>;
}

/** Security settings as kafkajs takes them, secrets read, plus the secret texts for redaction. */
export interface ResolvedSecurity {
  sasl?: SASLOptions;
  ssl?: ConnectionOptions;
  /** Every secret text in use (password, key, passphrase): logs are scrubbed of them. */
  secrets: string[];
}

/** Where secrets are read for: the connector named in errors, the folder relative files resolve against. */
export interface SecurityScope {
  /** Names the stage or command in errors, e.g. `kafka-source`, `monitor`. */
  connector: string;
  /** Relative `*File` paths resolve against it (the pipeline file's folder); default the working directory. */
  baseDir?: string;
  /** Environment for `*Env` options; default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * Reads the secrets (environment variables, files) at connect time, so a rotated password or certificate
 * is picked up by the next connection and nothing secret is kept in the validated options. Throws a
 * {@link KafkaSecurityError} (problem `secret`) naming the option and the variable or file, never the value.
 */
export function resolveSecurity(s: KafkaSecurity, scope: SecurityScope): ResolvedSecurity {
  const { connector } = scope;
  const env = scope.env ?? process.env;
  const file = (name: string) => path.resolve(scope.baseDir ?? process.cwd(), name);
  const secrets: string[] = [];
  const keep = (text: string) => {
    secrets.push(text);
    return text;
  };
  let sasl: SASLOptions | undefined;
  if (s.sasl) {
    const p = s.sasl;
    const password = keep(
      p.password?.reveal() ??
        (p.passwordFile !== undefined ? secretFile(file(p.passwordFile), 'sasl.passwordFile', connector) : envSecret(p.passwordEnv ?? DEFAULT_PASSWORD_ENV, 'sasl.passwordEnv', connector, env)),
    );
    sasl = { mechanism: p.mechanism, username: p.username, password } as SASLOptions;
  }
  let ssl: ConnectionOptions | undefined;
  if (s.tls) {
    const t = s.tls;
    const ca = t.ca ?? (t.caFile !== undefined ? pemFile(file(t.caFile), 'tls.caFile', connector) : undefined);
    const cert = t.cert ?? (t.certFile !== undefined ? pemFile(file(t.certFile), 'tls.certFile', connector) : undefined);
    const key = t.key?.reveal() ?? (t.keyFile !== undefined ? pemFile(file(t.keyFile), 'tls.keyFile', connector) : undefined);
    if (key !== undefined) keep(key);
    const passphrase =
      t.passphrase?.reveal() ??
      (t.passphraseFile !== undefined
        ? secretFile(file(t.passphraseFile), 'tls.passphraseFile', connector)
        : t.passphraseEnv !== undefined
          ? envSecret(t.passphraseEnv, 'tls.passphraseEnv', connector, env)
          : undefined);
    if (passphrase !== undefined) keep(passphrase);
    ssl = {
      rejectUnauthorized: t.rejectUnauthorized,
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(passphrase !== undefined ? { passphrase } : {}),
      ...(t.servername !== undefined ? { servername: t.servername } : {}),
      // Node checks the chain and the name together under rejectUnauthorized; this keeps the chain check
      // and skips only the name (brokers dialled by an address their certificate does not list).
      ...(t.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
    };
  }
  return { ...(sasl ? { sasl } : {}), ...(ssl ? { ssl } : {}), secrets };
}

/** `text` with every secret replaced by {@link REDACTED}. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join(REDACTED);
  return out;
}

function envSecret(name: string, option: string, connector: string, env: Record<string, string | undefined>): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new KafkaSecurityError(`${option}: environment variable ${name} is not set or empty; export it, or set another source (passwordFile)`, { connector }, 'secret');
  }
  return value;
}

function secretFile(file: string, option: string, connector: string): string {
  return readText(file, option, connector).replace(/\r?\n$/, '');
}

function pemFile(file: string, option: string, connector: string): string {
  const text = readText(file, option, connector);
  if (!text.includes('-----BEGIN ')) {
    throw new KafkaSecurityError(`${option}: ${file} is not PEM (no "-----BEGIN" line); convert it, e.g. openssl x509 -inform der -in cert.der -out cert.pem`, { connector, path: file }, 'secret');
  }
  return text;
}

function readText(file: string, option: string, connector: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new KafkaSecurityError(`${option}: cannot read ${file} (${code}); check the path and its permissions`, { connector, path: file }, 'secret', { cause: error });
  }
}
