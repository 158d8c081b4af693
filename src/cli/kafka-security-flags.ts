import { Option, type Command } from 'commander';
import type { z } from 'zod';
import { saslParams, tlsParams } from '../kafka/security.js';

type SaslKey = keyof typeof saslParams.shape;
type TlsKey = keyof typeof tlsParams.shape;

/**
 * The CLI flags of the Kafka security options (src/kafka/security.ts), one per option a command line can
 * carry. Each takes its help text from the schema and its environment variable from its name
 * (`--kafka-ca-file` -> LATENTFLOW_KAFKA_CA_FILE), so a container can be configured without flags.
 * There is no flag for the password, the key or the passphrase themselves: a command line shows in `ps`
 * and in shell history; they come from a file or an environment variable.
 */
const FLAGS = [
  { flag: '--kafka-sasl-mechanism <name>', block: 'sasl', key: 'mechanism' },
  { flag: '--kafka-username <name>', block: 'sasl', key: 'username' },
  { flag: '--kafka-password-env <var>', block: 'sasl', key: 'passwordEnv' },
  { flag: '--kafka-password-file <path>', block: 'sasl', key: 'passwordFile' },
  { flag: '--kafka-ca-file <path>', block: 'tls', key: 'caFile' },
  { flag: '--kafka-cert-file <path>', block: 'tls', key: 'certFile' },
  { flag: '--kafka-key-file <path>', block: 'tls', key: 'keyFile' },
  { flag: '--kafka-key-passphrase-env <var>', block: 'tls', key: 'passphraseEnv' },
  { flag: '--kafka-key-passphrase-file <path>', block: 'tls', key: 'passphraseFile' },
  { flag: '--kafka-servername <name>', block: 'tls', key: 'servername' },
  { flag: '--kafka-no-verify-hostname', block: 'tls', key: 'verifyHostname', value: false },
  { flag: '--kafka-no-verify-certificate', block: 'tls', key: 'rejectUnauthorized', value: false },
] as const satisfies readonly ({ flag: string; block: 'sasl'; key: SaslKey; value?: false } | { flag: string; block: 'tls'; key: TlsKey; value?: false })[];

/** `--kafka-tls` alone: TLS with the defaults (Node's root CAs, certificate and host name verified). */
const TLS_FLAG = '--kafka-tls';

/** The parsed values of the security flags, as commander hands them over (camelCase attribute names). */
export type KafkaSecurityCliOptions = Record<string, unknown>;

/** Environment variable of a flag: `--kafka-ca-file <path>` -> LATENTFLOW_KAFKA_CA_FILE. */
export function flagEnv(flag: string): string {
  return `LATENTFLOW_${flag.split(' ')[0].replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

function describe(schema: z.ZodType): string {
  return schema.description ?? '';
}

/** Adds the security flags to `command` (the monitor; any command that opens Kafka connections). */
export function addKafkaSecurityFlags(command: Command): Command {
  command.addOption(new Option(TLS_FLAG, 'connect with TLS (implied by any other --kafka-* TLS flag)').env(flagEnv(TLS_FLAG)));
  for (const f of FLAGS) {
    const schema = f.block === 'sasl' ? saslParams.shape[f.key] : tlsParams.shape[f.key];
    const option = new Option(f.flag, f.block === 'tls' && 'value' in f ? `set tls.${f.key} to false: ${describe(schema)}` : describe(schema)).env(flagEnv(f.flag));
    if (f.key === 'mechanism') option.choices(saslParams.shape.mechanism.options);
    command.addOption(option);
  }
  return command;
}

function attribute(flag: string): string {
  return new Option(flag).attributeName();
}

/** The `sasl` and `tls` blocks as options take them (checked by the command's schema, not here). */
export interface KafkaSecurityInput {
  sasl?: z.input<typeof saslParams>;
  tls?: z.input<typeof tlsParams>;
}

/**
 * The `sasl` and `tls` blocks the flags describe, for the command's option schema to validate: `sasl`
 * when any SASL flag is given, `tls` when `--kafka-tls` or any TLS flag is.
 */
export function kafkaSecurityInput(o: KafkaSecurityCliOptions): KafkaSecurityInput {
  const blocks: { sasl?: Record<string, unknown>; tls?: Record<string, unknown> } = {};
  for (const f of FLAGS) {
    const given = o[attribute(f.flag)];
    if (given === undefined || given === false) continue;
    const block = (blocks[f.block] ??= {});
    block[f.key] = 'value' in f ? f.value : given;
  }
  if (o[attribute(TLS_FLAG)] === true) blocks.tls ??= {};
  // Unchecked on purpose: a missing mechanism or two password sources get the schema's own message.
  return blocks as KafkaSecurityInput;
}

/** The flag that sets the option at `path` (e.g. ["sasl", "username"]), for error messages; else the block's flags. */
export function securityFlagFor(path: readonly PropertyKey[]): string | undefined {
  const [block, key] = path;
  if (block !== 'sasl' && block !== 'tls') return undefined;
  const match = FLAGS.find((f) => f.block === block && f.key === key);
  if (match) return match.flag.split(' ')[0];
  return FLAGS.filter((f) => f.block === block)
    .map((f) => f.flag.split(' ')[0])
    .join('/');
}
